package dev.erasekit.bindings;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cudart/cuBLAS/cuSOLVER/NVTX bindings against the CUDA test double (native/): every bound
 * function is called, results are checked against plain loops, and the error paths return the
 * real libraries' status codes, turned into exceptions that name function and status.
 */
class CudaTestDoubleBindingsTest {
    private final Cudart rt = Cudart.get();
    private final Cublas blas = Cublas.get();
    private final Cusolver solver = Cusolver.get();
    private Arena arena;
    private MemorySegment blasHandle, solverHandle, stream;

    @BeforeEach
    void open() {
        assertTrue(rt.library().origin().contains("cuda-double"), "bound to the test double: " + rt.library().origin());
        arena = Arena.ofConfined();
        stream = rt.streamCreate();
        blasHandle = blas.create();
        blas.setStream(blasHandle, stream);
        solverHandle = solver.create();
        solver.setStream(solverHandle, stream);
    }

    @AfterEach
    void close() {
        solver.destroy(solverHandle);
        blas.destroy(blasHandle);
        rt.streamDestroy(stream);
        arena.close();
    }

    private MemorySegment device(double[] host) {
        MemorySegment d = rt.malloc((long) host.length * 8);
        rt.memcpy(d, arena.allocateFrom(JAVA_DOUBLE, host), (long) host.length * 8, Cudart.HOST_TO_DEVICE);
        return d;
    }

    private MemorySegment device(float[] host) {
        MemorySegment d = rt.malloc((long) host.length * 4);
        rt.memcpyAsync(d, arena.allocateFrom(JAVA_FLOAT, host), (long) host.length * 4, Cudart.HOST_TO_DEVICE, stream);
        rt.streamSynchronize(stream);
        return d;
    }

    private double[] doubles(MemorySegment d, int n) {
        MemorySegment h = arena.allocate(JAVA_DOUBLE, n);
        rt.memcpy(h, d, (long) n * 8, Cudart.DEVICE_TO_HOST);
        return h.toArray(JAVA_DOUBLE);
    }

    private float[] floats(MemorySegment d, int n) {
        MemorySegment h = arena.allocate(JAVA_FLOAT, n);
        rt.memcpy(h, d, (long) n * 4, Cudart.DEVICE_TO_HOST);
        return h.toArray(JAVA_FLOAT);
    }

    private static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
        return v;
    }

    /** Column-major C = op(A)·op(B). */
    private static double[] gemm(boolean ta, boolean tb, int m, int n, int k, double[] a, double[] b) {
        double[] c = new double[m * n];
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    s += (ta ? a[l + i * k] : a[i + l * m]) * (tb ? b[j + l * n] : b[l + j * k]);
                }
                c[i + j * m] = s;
            }
        }
        return c;
    }

    private static void assertClose(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol * (1 + Math.abs(want[i])), "element " + i);
    }

    @Test
    void runtimeBasics() {
        assertEquals(1, rt.deviceCount());
        assertEquals(13000, rt.runtimeVersion());
        assertEquals(13, blas.property(0));
        assertTrue(blas.version(blasHandle) > 0);
        blas.setMathMode(blasHandle, Cublas.PEDANTIC_MATH);
        MemorySegment d = device(new double[] {1, 2, 3});
        rt.memset(d, 0, 8);
        rt.deviceSynchronize();
        assertArrayEquals(new double[] {0, 2, 3}, doubles(d, 3));
        rt.free(d);
        assertEquals("invalid argument", rt.errorString(1));
    }

    @Test
    void gemmAllTransposesAndBatches() {
        Random r = new Random(3);
        int m = 7, n = 5, k = 6;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                double[] a = random(r, m * k), b = random(r, k * n);
                MemorySegment da = device(a), db = device(b), dc = device(new double[m * n]);
                blas.dgemm(blasHandle, ta ? Cublas.OP_T : Cublas.OP_N, tb ? Cublas.OP_T : Cublas.OP_N, m, n, k, 1.0,
                        da, ta ? k : m, db, tb ? n : k, 0.0, dc, m);
                assertClose(gemm(ta, tb, m, n, k, a, b), doubles(dc, m * n), 1e-12);
                rt.free(da);
                rt.free(db);
                rt.free(dc);
            }
        }
        // three independent 4×3 = (4×2)(2×3) products, fp32 and fp64
        double[] a = random(r, 3 * 8), b = random(r, 3 * 6);
        float[] af = new float[a.length], bf = new float[b.length];
        for (int i = 0; i < a.length; i++) af[i] = (float) a[i];
        for (int i = 0; i < b.length; i++) bf[i] = (float) b[i];
        MemorySegment da = device(a), db = device(b), dc = device(new double[36]);
        MemorySegment fa = device(af), fb = device(bf), fc = device(new float[36]);
        blas.dgemmStridedBatched(blasHandle, Cublas.OP_N, Cublas.OP_N, 4, 3, 2, 1.0, da, 4, 8, db, 2, 6, 0.0, dc, 4, 12, 3);
        blas.sgemmStridedBatched(blasHandle, Cublas.OP_N, Cublas.OP_N, 4, 3, 2, 1f, fa, 4, 8, fb, 2, 6, 0f, fc, 4, 12, 3);
        double[] got = doubles(dc, 36);
        float[] gotF = floats(fc, 36);
        for (int p = 0; p < 3; p++) {
            double[] ap = java.util.Arrays.copyOfRange(a, p * 8, p * 8 + 8), bp = java.util.Arrays.copyOfRange(b, p * 6, p * 6 + 6);
            double[] want = gemm(false, false, 4, 3, 2, ap, bp);
            assertClose(want, java.util.Arrays.copyOfRange(got, p * 12, p * 12 + 12), 1e-12);
            for (int i = 0; i < 12; i++) assertEquals(want[i], gotF[p * 12 + i], 1e-5 * (1 + Math.abs(want[i])));
        }
        MemorySegment sa = device(new float[] {1, 2, 3, 4}), sc = device(new float[4]);
        blas.sgemm(blasHandle, Cublas.OP_N, Cublas.OP_T, 2, 2, 2, 1f, sa, 2, sa, 2, 0f, sc, 2);
        assertArrayEquals(new float[] {10, 14, 14, 20}, floats(sc, 4));
    }

    @Test
    void syrkAndTrsm() {
        Random r = new Random(4);
        int n = 6, k = 9;
        double[] a = random(r, n * k);
        MemorySegment da = device(a), dc = device(new double[n * n]);
        blas.dsyrk(blasHandle, Cublas.FILL_LOWER, Cublas.OP_N, n, k, 2.0, da, n, 0.0, dc, n);
        double[] want = gemm(false, true, n, n, k, a, a);
        double[] got = doubles(dc, n * n);
        for (int j = 0; j < n; j++) {
            for (int i = j; i < n; i++) assertEquals(2 * want[i + j * n], got[i + j * n], 1e-12 * (1 + Math.abs(want[i + j * n])));
        }
        float[] af = new float[a.length];
        for (int i = 0; i < a.length; i++) af[i] = (float) a[i];
        MemorySegment fa = device(af), fc = device(new float[n * n]);
        blas.ssyrk(blasHandle, Cublas.FILL_UPPER, Cublas.OP_N, n, k, 1f, fa, n, 0f, fc, n);
        float[] gotF = floats(fc, n * n);
        assertEquals(want[1 + 4 * n], gotF[1 + 4 * n], 1e-4);
        // lower-triangular L (diagonal boosted): solve L·X = B and X·Lᵀ = B
        double[] l = new double[n * n];
        for (int j = 0; j < n; j++) for (int i = j; i < n; i++) l[i + j * n] = i == j ? 3 + r.nextDouble() : r.nextGaussian();
        double[] x = random(r, n * 4);
        double[] b = gemm(false, false, n, 4, n, l, x);
        MemorySegment dl = device(l), dbm = device(b);
        blas.dtrsm(blasHandle, Cublas.SIDE_LEFT, Cublas.FILL_LOWER, Cublas.OP_N, Cublas.DIAG_NON_UNIT, n, 4, 1.0, dl, n, dbm, n);
        assertClose(x, doubles(dbm, n * 4), 1e-10);
        double[] y = random(r, 4 * n);
        double[] c = gemm(false, true, 4, n, n, y, l);
        MemorySegment dcm = device(c);
        blas.dtrsm(blasHandle, Cublas.SIDE_RIGHT, Cublas.FILL_LOWER, Cublas.OP_T, Cublas.DIAG_NON_UNIT, 4, n, 1.0, dl, n, dcm, 4);
        assertClose(y, doubles(dcm, 4 * n), 1e-10);
        float[] lf = new float[l.length], bf = new float[b.length];
        for (int i = 0; i < l.length; i++) lf[i] = (float) l[i];
        for (int i = 0; i < b.length; i++) bf[i] = (float) b[i];
        MemorySegment sl = device(lf), sb = device(bf);
        blas.strsm(blasHandle, Cublas.SIDE_LEFT, Cublas.FILL_LOWER, Cublas.OP_N, Cublas.DIAG_NON_UNIT, n, 4, 1f, sl, n, sb, n);
        float[] xs = floats(sb, n * 4);
        for (int i = 0; i < x.length; i++) assertEquals(x[i], xs[i], 1e-3 * (1 + Math.abs(x[i])));
    }

    @Test
    void choleskyAndEigen() {
        Random r = new Random(5);
        int n = 8;
        double[] a = random(r, n * n);
        double[] s = gemm(false, true, n, n, n, a, a);
        for (int i = 0; i < n; i++) s[i + i * n] += 1;
        double[] x = random(r, n * 3), b = gemm(false, false, n, 3, n, s, x);
        MemorySegment ds = device(s), db = device(b), info = rt.malloc(4);
        int lwork = solver.dpotrfBufferSize(solverHandle, Cublas.FILL_LOWER, n, ds, n);
        MemorySegment work = rt.malloc((long) lwork * 8);
        solver.dpotrf(solverHandle, Cublas.FILL_LOWER, n, ds, n, work, lwork, info);
        assertEquals(0, devInfo(info));
        solver.dpotrs(solverHandle, Cublas.FILL_LOWER, n, 3, ds, n, db, n, info);
        assertClose(x, doubles(db, n * 3), 1e-10);
        // fp32 too, and an indefinite matrix reports its failing minor through devInfo
        float[] sf = new float[n * n];
        for (int i = 0; i < sf.length; i++) sf[i] = (float) s[i];
        MemorySegment fs = device(sf), fwork = rt.malloc((long) solver.spotrfBufferSize(solverHandle, 0, n, fs, n) * 4);
        solver.spotrf(solverHandle, Cublas.FILL_LOWER, n, fs, n, fwork, n, info);
        assertEquals(0, devInfo(info));
        MemorySegment fb = device(new float[] {1, 0, 0, 0, 0, 0, 0, 0});
        solver.spotrs(solverHandle, Cublas.FILL_LOWER, n, 1, fs, n, fb, n, info);
        assertTrue(Float.isFinite(floats(fb, n)[0]));
        double[] indefinite = s.clone();
        indefinite[3 + 3 * n] = -50;
        MemorySegment di = device(indefinite);
        solver.dpotrf(solverHandle, Cublas.FILL_LOWER, n, di, n, work, lwork, info);
        assertTrue(devInfo(info) > 0 && devInfo(info) <= 4, "devInfo " + devInfo(info));
        // eigenvalues of diag(3, 1, 2) rotated are 1, 2, 3 (ascending)
        double[] e = {2, 0, 0, 0, 1, 0, 0, 0, 3};
        MemorySegment de = device(e), w = rt.malloc(24);
        int ew = solver.dsyevdBufferSize(solverHandle, Cusolver.EIG_VECTORS, Cublas.FILL_LOWER, 3, de, 3, w);
        MemorySegment ework = rt.malloc((long) ew * 8);
        solver.dsyevd(solverHandle, Cusolver.EIG_VECTORS, Cublas.FILL_LOWER, 3, de, 3, w, ework, ew, info);
        assertClose(new double[] {1, 2, 3}, doubles(w, 3), 1e-12);
        float[] ef = {2, 0, 0, 0, 1, 0, 0, 0, 3};
        MemorySegment fe = device(ef), fw = rt.malloc(12);
        int sw = solver.ssyevdBufferSize(solverHandle, Cusolver.EIG_NO_VECTORS, Cublas.FILL_UPPER, 3, fe, 3, fw);
        MemorySegment swork = rt.malloc((long) sw * 4);
        solver.ssyevd(solverHandle, Cusolver.EIG_NO_VECTORS, Cublas.FILL_UPPER, 3, fe, 3, fw, swork, sw, info);
        assertArrayEquals(new float[] {1, 2, 3}, floats(fw, 3));
    }

    private int devInfo(MemorySegment info) {
        MemorySegment h = arena.allocate(JAVA_INT);
        rt.memcpy(h, info, 4, Cudart.DEVICE_TO_HOST);
        return h.get(JAVA_INT, 0);
    }

    @Test
    void strictWhereTheRealLibrariesAre() {
        MemorySegment host = arena.allocate(JAVA_DOUBLE, 16);
        MemorySegment dev = rt.malloc(16 * 8);
        // a host pointer where a device pointer belongs
        var copy = assertThrows(NativeCallException.class, () -> rt.memcpy(host, host, 128, Cudart.DEVICE_TO_HOST));
        assertEquals("cudaMemcpy failed: invalid argument (1)", copy.getMessage());
        // reading past the end of an allocation
        assertThrows(NativeCallException.class, () -> rt.memcpy(host, dev, 16 * 8 + 8, Cudart.DEVICE_TO_HOST));
        assertThrows(NativeCallException.class, () -> rt.free(host));
        // a wrong leading dimension
        var lda = assertThrows(NativeCallException.class, () ->
                blas.dgemm(blasHandle, Cublas.OP_N, Cublas.OP_N, 4, 4, 4, 1, dev, 3, dev, 4, 0, dev, 4));
        assertEquals("cublasDgemm_v2", lda.function());
        assertTrue(lda.getMessage().contains("CUBLAS_STATUS_INVALID_VALUE"), lda.getMessage());
        // a NULL cuBLAS handle
        var nul = assertThrows(NativeCallException.class, () ->
                blas.dgemm(MemorySegment.NULL, Cublas.OP_N, Cublas.OP_N, 2, 2, 2, 1, dev, 2, dev, 2, 0, dev, 2));
        assertTrue(nul.getMessage().contains("CUBLAS_STATUS_NOT_INITIALIZED"), nul.getMessage());
        // host memory handed to a kernel
        var exec = assertThrows(NativeCallException.class, () ->
                blas.dsyrk(blasHandle, Cublas.FILL_LOWER, Cublas.OP_N, 4, 4, 1, host, 4, 0, dev, 4));
        assertTrue(exec.getMessage().contains("CUBLAS_STATUS_EXECUTION_FAILED"), exec.getMessage());
        // cuSOLVER: the binding refuses NULL before calling (the real library crashes)...
        assertThrows(IllegalArgumentException.class, () ->
                solver.dpotrf(MemorySegment.NULL, 0, 4, dev, 4, dev, 4, dev));
        // ...and the double itself returns NOT_INITIALIZED, as a guard of last resort
        assertEquals(1, rawPotrfWithNullHandle(dev));
        var badLwork = assertThrows(NativeCallException.class, () ->
                solver.dpotrf(solverHandle, 0, 4, dev, 4, dev, 1, dev));
        assertTrue(badLwork.getMessage().contains("CUSOLVER_STATUS_INVALID_VALUE"), badLwork.getMessage());
        rt.free(dev);
    }

    private int rawPotrfWithNullHandle(MemorySegment dev) {
        MethodHandle raw = solver.library().downcall("cusolverDnDpotrf", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        try {
            return (int) raw.invokeExact(MemorySegment.NULL, 0, 4, dev, 4, dev, 4, dev);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Test
    void nvtxRangesNest() {
        Nvtx nvtx = Nvtx.get();
        assertTrue(nvtx.enabled(), "the test double exports NVTX");
        try (Nvtx.Range outer = nvtx.range("outer"); Nvtx.Range inner = nvtx.range("inner")) {
            assertEquals(outer.depth() + 1, inner.depth());
        }
    }
}
