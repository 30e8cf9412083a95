package dev.erasekit.linalg.openblas;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.erasekit.bindings.OpenBlas;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.SymmetricEigen;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * OpenBLAS through FFM: CBLAS in row-major order, LAPACK (column-major; every matrix handed to it
 * here is symmetric or is a right-hand side stored so that row-major X is column-major Xᵀ).
 * Every operand of the solves is copied into confined native memory per call (no critical downcalls:
 * they would hold off the GC for the whole call), which costs far less than the O(n³) work it feeds;
 * the fold alone runs on the heap arrays, in short critical calls ({@link #fold}). Thread-safe.
 */
public final class OpenBlasBackend implements LinalgBackend {
    /** Rows converted to float64 per dsyrk call: bounds the staging copy (8192 × 768 × 8 B = 48 MiB). */
    static final int GRAM_CHUNK_ROWS = 8192;
    /**
     * Work per critical {@code sgemm} call in the fold: 10⁹ flop, ~8 ms on two cores (the GC waits at most
     * that long). Smaller pieces cost speed: the dense fold of SD v1.4's layers took 330 ms at 2·10⁸, ~270 ms here.
     */
    static final long CRITICAL_FLOP = 1_000_000_000L;

    private final OpenBlas blas;

    public OpenBlasBackend(OpenBlas blas) {
        this.blas = blas;
    }

    /** Opens the process-wide OpenBLAS; throws {@code LibraryNotFoundException} when absent. */
    public static OpenBlasBackend open() {
        return new OpenBlasBackend(OpenBlas.get());
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public String describe() {
        return blas.config() + ", " + blas.threads() + " threads, " + blas.library().origin();
    }

    @Override
    public void gramAccumulate(double[] g, int d, float[] x, int n, double alpha) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocateFrom(JAVA_DOUBLE, g);
            MemorySegment chunk = arena.allocate(JAVA_DOUBLE, (long) Math.min(n, GRAM_CHUNK_ROWS) * d);
            for (int r = 0; r < n; r += GRAM_CHUNK_ROWS) {
                int rows = Math.min(GRAM_CHUNK_ROWS, n - r);
                Dense.rowsToDouble(x, d, r, rows, chunk);
                // C (d×d) = alpha·Aᵀ·A + C for the row-major chunk A (rows×d): upper triangle only.
                blas.dsyrk(OpenBlas.ROW_MAJOR, OpenBlas.UPPER, OpenBlas.TRANS, d, rows, alpha, chunk, d, 1.0, c, d);
            }
            MemorySegment.copy(c, JAVA_DOUBLE, 0, g, 0, g.length);
        }
        Dense.mirrorUpper(g, d);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, double[] b,
                     double beta, double[] c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment na = arena.allocateFrom(JAVA_DOUBLE, a), nb = arena.allocateFrom(JAVA_DOUBLE, b);
            MemorySegment nc = arena.allocateFrom(JAVA_DOUBLE, c);
            blas.dgemm(OpenBlas.ROW_MAJOR, transA ? OpenBlas.TRANS : OpenBlas.NO_TRANS,
                    transB ? OpenBlas.TRANS : OpenBlas.NO_TRANS, m, n, k, alpha, na, transA ? m : k, nb, transB ? k : n, beta, nc, n);
            MemorySegment.copy(nc, JAVA_DOUBLE, 0, c, 0, c.length);
        }
    }

    @Override
    public void solveRightSpd(double[] s, int n, double[] rhs, int m) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment factor = arena.allocateFrom(JAVA_DOUBLE, s);
            int info = blas.dpotrf('L', n, factor, n);
            if (info > 0) throw new NotPositiveDefiniteException(n, info);
            double[] diag = new double[n];
            for (int i = 0; i < n; i++) diag[i] = factor.getAtIndex(JAVA_DOUBLE, (long) i * n + i);
            Dense.checkPivots(diag, Dense.maxDiagonal(s, n));
            // Row-major rhs (m×n) is column-major rhsᵀ (n×m): dpotrs solves S·Xᵀ = rhsᵀ in place.
            MemorySegment b = arena.allocateFrom(JAVA_DOUBLE, rhs);
            blas.dpotrs('L', n, m, factor, n, b, n);
            MemorySegment.copy(b, JAVA_DOUBLE, 0, rhs, 0, rhs.length);
        }
    }

    /**
     * The fold without copies: the layers' heap arrays go straight to {@code sgemm} through the one critical
     * downcall ({@link OpenBlas#sgemmHeap}), cut into calls of at most {@link #CRITICAL_FLOP} each so the GC
     * waits a few milliseconds at most. The products are memory-bound, so a copy in and out would cost as
     * much again. U, V and M (small) are copied to native memory once.
     */
    @Override
    public float[][] fold(float[][] layers, int d, SharedFactor f) {
        boolean low = f.foldLowRank();
        int k = f.k(), inner = low ? k : d;
        float[][] out = new float[layers.length][];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nu = low ? arena.allocateFrom(JAVA_FLOAT, Dense.toFloat(f.u())) : null;
            MemorySegment nv = low ? arena.allocateFrom(JAVA_FLOAT, Dense.toFloat(f.v())) : null;
            MemorySegment nm = low ? null : arena.allocateFrom(JAVA_FLOAT, Dense.toFloat(f.m(this)));
            int chunk = (int) Math.max(16, CRITICAL_FLOP / (2L * d * inner));
            MemorySegment p = low ? arena.allocate(JAVA_FLOAT, (long) chunk * k) : null;
            for (int l = 0; l < layers.length; l++) {
                float[] w = layers[l];
                int rows = w.length / d;
                out[l] = low ? w.clone() : new float[w.length];
                MemorySegment hw = MemorySegment.ofArray(w), ho = MemorySegment.ofArray(out[l]);
                for (int r = 0; r < rows; r += chunk) {
                    int n = Math.min(chunk, rows - r);
                    MemorySegment wr = hw.asSlice((long) r * d * Float.BYTES), or = ho.asSlice((long) r * d * Float.BYTES);
                    if (low) {
                        blas.sgemmHeap(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, n, k, d, 1f, wr, d, nu, k,
                                0f, p, k);                                                              // P = W·U
                        blas.sgemmHeap(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, n, d, k, 1f, p, k, nv, d,
                                1f, or, d);                                                             // W' = W + P·V
                    } else {
                        blas.sgemmHeap(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, n, d, d, 1f, wr, d, nm, d,
                                0f, or, d);                                                             // W' = W·M
                    }
                }
            }
        }
        return out;
    }

    @Override
    public SymmetricEigen eigh(double[] s, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocateFrom(JAVA_DOUBLE, s), w = arena.allocate(JAVA_DOUBLE, n);
            int info = blas.dsyevd('V', 'L', n, a, n, w);
            if (info > 0) throw new IllegalStateException("dsyevd_ did not converge (info " + info + ")");
            // Column-major eigenvectors are the transpose of the row-major layout we return.
            double[] colMajor = a.toArray(JAVA_DOUBLE);
            return new SymmetricEigen(n, w.toArray(JAVA_DOUBLE), Dense.transpose(colMajor, n, n));
        }
    }

    @Override
    public void close() {
        // OpenBLAS holds no per-backend state
    }
}
