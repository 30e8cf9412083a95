package dev.erasekit.linalg;

/**
 * Plain float64 Java: the reference every other backend is tested against, and the fallback when
 * no native library is present. Single-threaded straightforward loops in a cache-friendly order
 * (the JIT vectorises the inner ones); no blocking or threading tricks, so it is deterministic and
 * easy to check by eye. For speed, use the openblas or cuda backend.
 */
public final class JavaBackend implements LinalgBackend {
    @Override
    public String name() {
        return "java";
    }

    @Override
    public String describe() {
        return "plain float64 Java, single-threaded";
    }

    @Override
    public void gramAccumulate(double[] g, int d, float[] x, int n, double alpha) {
        // upper triangle, one rank-1 update per row: g[i][j] += alpha·x[r][i]·x[r][j], j ≥ i
        for (int r = 0; r < n; r++) {
            int xr = r * d;
            for (int i = 0; i < d; i++) {
                double xi = alpha * x[xr + i];
                if (xi == 0) continue;
                int gi = i * d;
                for (int j = i; j < d; j++) g[gi + j] += xi * x[xr + j];
            }
        }
        Dense.mirrorUpper(g, d);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, double[] b,
                     double beta, double[] c) {
        double[] opA = transA ? Dense.transpose(a, k, m) : a;
        double[] opB = transB ? Dense.transpose(b, n, k) : b;
        for (int i = 0; i < m; i++) {
            int ci = i * n;
            for (int j = 0; j < n; j++) c[ci + j] = beta == 0 ? 0 : beta * c[ci + j];
            for (int l = 0; l < k; l++) {
                double ail = alpha * opA[i * k + l];
                if (ail == 0) continue;
                int bl = l * n;
                for (int j = 0; j < n; j++) c[ci + j] += ail * opB[bl + j];
            }
        }
    }

    @Override
    public void solveRightSpd(double[] s, int n, double[] rhs, int m) {
        double[] l = cholesky(s, n);
        double[] u = Dense.transpose(l, n, n);
        // X·S = R  ⇔  S·Xᵀ = Rᵀ: each row r of R is solved as L·y = r, then Lᵀ·x = y.
        for (int row = 0; row < m; row++) {
            int o = row * n;
            for (int i = 0; i < n; i++) {
                double v = rhs[o + i];
                for (int k = 0; k < i; k++) v -= l[i * n + k] * rhs[o + k];
                rhs[o + i] = v / l[i * n + i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double v = rhs[o + i];
                for (int k = i + 1; k < n; k++) v -= u[i * n + k] * rhs[o + k];
                rhs[o + i] = v / u[i * n + i];
            }
        }
    }

    /** Lower Cholesky factor L (row-major) of S = L·Lᵀ. */
    static double[] cholesky(double[] s, int n) {
        double[] l = new double[n * n];
        double[] diag = new double[n];
        for (int j = 0; j < n; j++) {
            double d = s[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            if (!(d > 0)) throw new NotPositiveDefiniteException(n, j + 1);
            double ljj = Math.sqrt(d);
            l[j * n + j] = ljj;
            diag[j] = ljj;
            for (int i = j + 1; i < n; i++) {
                double v = s[i * n + j];
                for (int k = 0; k < j; k++) v -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = v / ljj;
            }
        }
        Dense.checkPivots(diag, Dense.maxDiagonal(s, n));
        return l;
    }

    @Override
    public float[][] fold(float[][] layers, int d, SharedFactor f) {
        float[][] out = new float[layers.length][];
        for (int l = 0; l < layers.length; l++) {
            int rows = layers[l].length / d;
            out[l] = f.foldLowRank() ? foldLowRank(layers[l], rows, d, f.u(), f.v(), f.k()) : fold(layers[l], rows, d, f.m(this));
        }
        return out;
    }

    private static float[] fold(float[] w, int rows, int d, double[] m) {
        float[] out = new float[rows * d];
        double[] acc = new double[d];
        for (int i = 0; i < rows; i++) {
            java.util.Arrays.fill(acc, 0);
            int wi = i * d;
            for (int l = 0; l < d; l++) {
                double wil = w[wi + l];
                if (wil == 0) continue;
                int ml = l * d;
                for (int j = 0; j < d; j++) acc[j] += wil * m[ml + j];
            }
            for (int j = 0; j < d; j++) out[wi + j] = (float) acc[j];
        }
        return out;
    }

    private static float[] foldLowRank(float[] w, int rows, int d, double[] u, double[] v, int k) {
        float[] out = new float[rows * d];
        double[] p = new double[k], acc = new double[d];
        for (int i = 0; i < rows; i++) {
            int wi = i * d;
            java.util.Arrays.fill(p, 0);
            for (int l = 0; l < d; l++) {
                double wil = w[wi + l];
                if (wil == 0) continue;
                int ul = l * k;
                for (int j = 0; j < k; j++) p[j] += wil * u[ul + j];
            }
            for (int j = 0; j < d; j++) acc[j] = w[wi + j];
            for (int l = 0; l < k; l++) {
                double pl = p[l];
                int vl = l * d;
                for (int j = 0; j < d; j++) acc[j] += pl * v[vl + j];
            }
            for (int j = 0; j < d; j++) out[wi + j] = (float) acc[j];
        }
        return out;
    }

    /**
     * Cyclic Jacobi rotations (Golub &amp; Van Loan §8.5): slow (O(n³) per sweep, ~8 sweeps) but
     * simple and accurate to a few ulps, which is what a reference needs.
     */
    @Override
    public SymmetricEigen eigh(double[] s, int n) {
        double[] a = s.clone();
        double[] v = Dense.identity(n, 1.0);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, total = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double x = a[i * n + j] * a[i * n + j];
                    total += x;
                    if (i != j) off += x;
                }
            }
            if (off == 0 || off <= 1e-30 * total) return sorted(n, a, v);
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) rotate(a, v, n, p, q);
            }
        }
        throw new IllegalStateException("Jacobi eigensolver did not converge in 100 sweeps");
    }

    /** One Jacobi rotation zeroing a[p][q]; a = Jᵀ·a·J, v = v·J. */
    private static void rotate(double[] a, double[] v, int n, int p, int q) {
        double apq = a[p * n + q];
        if (apq == 0) return;
        double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        double c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++) {
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }

    private static SymmetricEigen sorted(int n, double[] a, double[] v) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[x * n + x], a[y * n + y]));
        double[] values = new double[n], vectors = new double[n * n];
        for (int k = 0; k < n; k++) {
            int src = order[k];
            values[k] = a[src * n + src];
            for (int i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src];
        }
        return new SymmetricEigen(n, values, vectors);
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
