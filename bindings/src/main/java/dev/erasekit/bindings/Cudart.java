package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * CUDA runtime (cudart): devices, memory, copies, streams, errors, version.
 * Thread-safe: bound function handles only (the CUDA runtime is thread-safe).
 */
public final class Cudart {
    /** cudaMemcpyKind */
    public static final int HOST_TO_HOST = 0, HOST_TO_DEVICE = 1, DEVICE_TO_HOST = 2,
            DEVICE_TO_DEVICE = 3, DEFAULT = 4;

    private static final LoadOnce<Cudart> INSTANCE = new LoadOnce<>(() -> new Cudart(
            LibraryLocator.cuda("CUDA runtime (cudart)", "cudart", "libcudart.so.13", "libcudart.so.12").load()));

    private final NativeLibrary library;
    private final MethodHandle getDeviceCount, malloc, free, memcpy, memcpyAsync, memset, streamCreate,
            streamDestroy, streamSynchronize, deviceSynchronize, getErrorString, runtimeGetVersion;

    /** The process-wide binding, located as {@link LibraryLocator} describes. */
    public static Cudart get() {
        return INSTANCE.get();
    }

    public Cudart(NativeLibrary library) {
        this.library = library;
        var intPtr = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        getDeviceCount = library.downcall("cudaGetDeviceCount", intPtr);
        malloc = library.downcall("cudaMalloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        free = library.downcall("cudaFree", intPtr);
        memcpy = library.downcall("cudaMemcpy", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        memcpyAsync = library.downcall("cudaMemcpyAsync",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        memset = library.downcall("cudaMemset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
        streamCreate = library.downcall("cudaStreamCreate", intPtr);
        streamDestroy = library.downcall("cudaStreamDestroy", intPtr);
        streamSynchronize = library.downcall("cudaStreamSynchronize", intPtr);
        deviceSynchronize = library.downcall("cudaDeviceSynchronize", FunctionDescriptor.of(JAVA_INT));
        getErrorString = library.downcall("cudaGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        runtimeGetVersion = library.downcall("cudaRuntimeGetVersion", intPtr);
    }

    public NativeLibrary library() {
        return library;
    }

    public int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cudaGetDeviceCount", (int) getDeviceCount.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Runtime version as CUDA encodes it (1000 × major + 10 × minor). */
    public int runtimeVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("cudaRuntimeGetVersion", (int) runtimeGetVersion.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Allocates {@code bytes} of device memory; the result is a zero-length address segment. */
    public MemorySegment malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cudaMalloc", (int) malloc.invokeExact(out, bytes));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void free(MemorySegment devicePointer) {
        try {
            check("cudaFree", (int) free.invokeExact(devicePointer));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpy(MemorySegment dst, MemorySegment src, long bytes, int kind) {
        try {
            check("cudaMemcpy", (int) memcpy.invokeExact(dst, src, bytes, kind));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memcpyAsync(MemorySegment dst, MemorySegment src, long bytes, int kind, MemorySegment stream) {
        try {
            check("cudaMemcpyAsync", (int) memcpyAsync.invokeExact(dst, src, bytes, kind, stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void memset(MemorySegment dst, int value, long bytes) {
        try {
            check("cudaMemset", (int) memset.invokeExact(dst, value, bytes));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public MemorySegment streamCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check("cudaStreamCreate", (int) streamCreate.invokeExact(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamDestroy(MemorySegment stream) {
        try {
            check("cudaStreamDestroy", (int) streamDestroy.invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void streamSynchronize(MemorySegment stream) {
        try {
            check("cudaStreamSynchronize", (int) streamSynchronize.invokeExact(stream));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void deviceSynchronize() {
        try {
            check("cudaDeviceSynchronize", (int) deviceSynchronize.invokeExact());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public String errorString(int error) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(error);
            return s.equals(MemorySegment.NULL) ? "unknown" : s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private void check(String function, int status) {
        if (status != 0) throw new NativeCallException(function, status, errorString(status));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
