package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * NVTX ranges, so Nsight Systems timelines show erasekit's stages. NVTX is optional: CUDA 13
 * ships it header-only, so when no {@code libnvToolsExt} is found the ranges are no-ops.
 * Thread-safe: bound function handles only.
 */
public final class Nvtx {
    private static final LoadOnce<Nvtx> INSTANCE = new LoadOnce<>(Nvtx::locate);
    private static final Nvtx DISABLED = new Nvtx(null);

    private final MethodHandle push, pop;

    private static Nvtx locate() {
        try {
            return new Nvtx(LibraryLocator.cuda("NVTX", "nvtx", "libnvToolsExt.so.1").load());
        } catch (LibraryNotFoundException e) {
            return DISABLED;
        }
    }

    /** The process-wide binding; a disabled one when no NVTX library is present. */
    public static Nvtx get() {
        return INSTANCE.get();
    }

    public Nvtx(NativeLibrary library) {
        push = library == null ? null : library.downcall("nvtxRangePushA", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        pop = library == null ? null : library.downcall("nvtxRangePop", FunctionDescriptor.of(JAVA_INT));
    }

    public boolean enabled() {
        return push != null;
    }

    /** Pushes a named range; close the result to pop it. Returns the nesting depth NVTX reports. */
    public Range range(String name) {
        if (push == null) return new Range(null);
        try (Arena a = Arena.ofConfined()) {
            int depth = (int) push.invokeExact(a.allocateFrom(name));
            return new Range(pop).depth(depth);
        } catch (Throwable t) {
            throw Cudart.rethrow(t);
        }
    }

    /** An open NVTX range. */
    public static final class Range implements AutoCloseable {
        private final MethodHandle pop;
        private int depth = -1;

        private Range(MethodHandle pop) {
            this.pop = pop;
        }

        private Range depth(int d) {
            depth = d;
            return this;
        }

        /** The nesting level NVTX returned for the push (-1 when disabled). */
        public int depth() {
            return depth;
        }

        @Override
        public void close() {
            if (pop == null) return;
            try {
                int ignored = (int) pop.invokeExact();
            } catch (Throwable t) {
                throw Cudart.rethrow(t);
            }
        }
    }
}
