package dev.erasekit.linalg;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Small dense-matrix helpers shared by the backends (row-major arrays). Stateless; thread-safe. */
public final class Dense {
    /**
     * A Cholesky pivot L_kk² below this fraction of the largest diagonal of S counts as zero. Rounding
     * leaves pivots of a singular Gram at ~1e-14 of its scale; we require cond(S) ≲ 1e12, beyond
     * which a float64 solve has lost the digits the fp32 weights need anyway.
     */
    public static final double PIVOT_TOLERANCE = 1e-12;

    private Dense() {
    }

    public static double[] identity(int n, double scale) {
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = scale;
        return m;
    }

    /** Copies the upper triangle of the row-major n×n matrix onto the lower one. */
    public static void mirrorUpper(double[] m, int n) {
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) m[j * n + i] = m[i * n + j];
        }
    }

    public static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        }
        return t;
    }

    /** x rounded to fp32. */
    public static float[] toFloat(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        return f;
    }

    public static double[] toDouble(float[] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i];
        return out;
    }

    /** Writes rows [from, from + count) of the float rows x (width d) as doubles into dst. */
    public static void rowsToDouble(float[] x, int d, int from, int count, MemorySegment dst) {
        long base = (long) from * d;
        long len = (long) count * d;
        for (long i = 0; i < len; i++) dst.setAtIndex(ValueLayout.JAVA_DOUBLE, i, x[(int) (base + i)]);
    }

    /**
     * Checks the Cholesky pivots: {@code factorDiagonal[k]} is L_kk. Throws when a pivot L_kk² is not
     * above {@link #PIVOT_TOLERANCE} times the largest diagonal entry of S.
     */
    public static void checkPivots(double[] factorDiagonal, double maxDiagonalOfS) {
        double floor = PIVOT_TOLERANCE * maxDiagonalOfS;
        for (int k = 0; k < factorDiagonal.length; k++) {
            double p = factorDiagonal[k];
            if (!(p * p > floor)) throw new NotPositiveDefiniteException(factorDiagonal.length, k + 1);
        }
    }

    public static double maxDiagonal(double[] s, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, s[i * n + i]);
        return max;
    }

    /** ‖a − b‖_F / ‖b‖_F. */
    public static double relativeError(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double e = a[i] - b[i];
            num += e * e;
            den += b[i] * b[i];
        }
        return Math.sqrt(num) / Math.sqrt(den);
    }

    /** ‖a − b‖_F / ‖b‖_F for float arrays, accumulated in double. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double e = (double) a[i] - b[i];
            num += e * e;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num) / Math.sqrt(den);
    }
}
