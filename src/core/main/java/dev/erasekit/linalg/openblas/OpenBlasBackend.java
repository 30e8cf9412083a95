package dev.erasekit.linalg.openblas;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.erasekit.bindings.OpenBlas;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.linalg.SymmetricEigen;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * OpenBLAS through FFM: CBLAS in row-major order, LAPACK (column-major; every matrix handed to it
 * here is symmetric or is a right-hand side stored so that row-major X is column-major Xᵀ).
 * Every operand is copied into confined native memory per call (no critical downcalls: they would
 * hold off the GC for the whole call), which costs far less than the O(n³) work it feeds.
 */
public final class OpenBlasBackend implements LinalgBackend {
    /** Rows converted to float64 per dsyrk call: bounds the staging copy (8192 × 768 × 8 B = 48 MiB). */
    static final int GRAM_CHUNK_ROWS = 8192;

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

    @Override
    public float[] fold(float[] w, int rows, int d, double[] m) {
        float[] mf = new float[m.length];
        for (int i = 0; i < m.length; i++) mf[i] = (float) m[i];
        float[] out = new float[rows * d];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nw = arena.allocateFrom(JAVA_FLOAT, w), nm = arena.allocateFrom(JAVA_FLOAT, mf);
            MemorySegment no = arena.allocate(JAVA_FLOAT, (long) rows * d);
            blas.sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, rows, d, d, 1f, nw, d, nm, d, 0f, no, d);
            MemorySegment.copy(no, JAVA_FLOAT, 0, out, 0, out.length);
        }
        return out;
    }

    @Override
    public float[] foldLowRank(float[] w, int rows, int d, double[] u, double[] v, int k) {
        float[] out = new float[rows * d];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nw = arena.allocateFrom(JAVA_FLOAT, w), nu = arena.allocateFrom(JAVA_FLOAT, toFloat(u));
            MemorySegment nv = arena.allocateFrom(JAVA_FLOAT, toFloat(v)), np = arena.allocate(JAVA_FLOAT, (long) rows * k);
            blas.sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, rows, k, d, 1f, nw, d, nu, k, 0f, np, k); // P = W·U
            blas.sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, rows, d, k, 1f, np, k, nv, d, 1f, nw, d); // W += P·V
            MemorySegment.copy(nw, JAVA_FLOAT, 0, out, 0, out.length);
        }
        return out;
    }

    private static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
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
