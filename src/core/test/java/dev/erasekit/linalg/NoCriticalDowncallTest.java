package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.TestSeeds;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Safe in a server: a thread that allocates in a loop keeps running while long native work runs on
 * another (a critical downcall would hold off every GC until it returned, stalling the allocating
 * thread for the whole call): a long GEMM (not critical), and the fold of SD v1.4-shaped layers, whose
 * products are critical downcalls cut into pieces of a few milliseconds. The bound is relative to the
 * work measured in the same test: the longest pause between two allocations must stay under a quarter
 * of its duration, and at least one GC must have run during it (else the test would prove nothing).
 */
class NoCriticalDowncallTest {
    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionCount());
        return n;
    }

    /** Runs {@code work} while a thread allocates; asserts the allocator never waited a quarter of the work's time. */
    private static void allocatorKeepsRunning(String what, Runnable work) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong worstGap = new AtomicLong();
        Thread allocator = new Thread(() -> {
            long last = System.nanoTime();
            byte[][] keep = new byte[64][];
            int k = 0;
            while (!stop.get()) {
                // 64 KiB: far below G1's humongous threshold (half a region), so the young generation fills and collects
                keep[k++ & 63] = new byte[64 << 10];
                long now = System.nanoTime();
                worstGap.accumulateAndGet(now - last, Math::max);
                last = now;
            }
        });
        allocator.start();
        Thread.sleep(200); // the allocator's loop is warm
        worstGap.set(0);
        long gcBefore = gcCount(), t0 = System.nanoTime();
        // at least 3 runs, and more until two GCs have run meanwhile (with both cores busy the allocator can be slow)
        int reps = 0;
        while (reps < 3 || gcCount() - gcBefore < 2 && reps < 40) {
            work.run();
            reps++;
        }
        long duration = System.nanoTime() - t0, gcs = gcCount() - gcBefore;
        stop.set(true);
        allocator.join();
        System.out.printf("%d × %s: %.0f ms, %d GCs meanwhile, longest allocation pause %.1f ms%n", reps, what, duration / 1e6, gcs,
                worstGap.get() / 1e6);
        assertTrue(gcs > 0, "no GC ran during the work: allocate more");
        assertTrue(worstGap.get() < duration / 4, "the allocating thread stalled " + worstGap.get() / 1e6 + " ms of "
                + duration / 1e6 + " ms");
    }

    @Test
    void allocatingThreadIsNotStalledByALongGemm() throws Exception {
        int n = 1600;
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("critical downcall"));
        double[] a = new double[n * n], b = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextDouble();
            b[i] = r.nextDouble();
        }
        try (LinalgBackend blas = Backends.open("openblas")) {
            blas.gemm(false, false, n, n, n, 1.0, a, b, 0.0, new double[n * n]); // warm
            allocatorKeepsRunning("GEMM " + n + "³", () -> blas.gemm(false, false, n, n, n, 1.0, a, b, 0.0, new double[n * n]));
        }
    }

    @Test
    void allocatingThreadIsNotStalledByTheFold() throws Exception {
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("critical fold"));
        int d = SyntheticProblems.SD14_WIDTH;
        float[][] layers = SyntheticProblems.layers(r, SyntheticProblems.SD14_OUT_ROWS, d).stream().map(l -> l.w().data())
                .toArray(float[][]::new);
        double[] m = Dense.identity(d, 1.0);
        for (int i = 0; i < m.length; i++) m[i] += 1e-3 * r.nextDouble();
        SharedFactor dense = SharedFactor.dense(m); // the dense fold: the longest critical calls
        try (LinalgBackend blas = Backends.open("openblas")) {
            blas.fold(layers, d, dense); // warm
            allocatorKeepsRunning("dense fold of the 32 SD v1.4 K/V matrices", () -> blas.fold(layers, d, dense));
        }
    }
}
