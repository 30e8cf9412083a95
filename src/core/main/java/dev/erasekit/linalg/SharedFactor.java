package dev.erasekit.linalg;

import dev.erasekit.error.InvalidInputException;

/**
 * The d×d factor M of a shared-factor edit (W'_l = W_l·M for every layer; docs/methods.md §2), and
 * when the edit is low-rank its factors: M = I + U·V with U (d×k) and V (k×d), k at most the number of
 * edited rows. The fold then costs ∝ k instead of d: W' = W + (W·U)·V. Immutable (arrays not copied:
 * read-only).
 *
 * @param d the text width
 * @param m M, row-major d×d
 * @param u U, row-major d×k, or null for a dense factor
 * @param v V, row-major k×d, or null
 * @param k the rank of the factors (0 without them)
 */
public record SharedFactor(int d, double[] m, double[] u, double[] v, int k) {
    /** Checks the shapes. */
    public SharedFactor {
        if (m.length != (long) d * d) throw new InvalidInputException("M must be " + d + "×" + d);
        if ((u == null) != (v == null) || u != null && (u.length != (long) d * k || v.length != (long) k * d)) {
            throw new InvalidInputException("U and V must be " + d + "×" + k + " and " + k + "×" + d);
        }
    }

    /** A factor with no low-rank form. */
    public static SharedFactor dense(double[] m) {
        return new SharedFactor((int) Math.round(Math.sqrt(m.length)), m, null, null, 0);
    }

    /** I + U·V, with M formed. */
    public static SharedFactor lowRank(int d, double[] u, double[] v, int k, LinalgBackend backend) {
        double[] m = Dense.identity(d, 1.0);
        if (k > 0) backend.gemm(false, false, d, d, k, 1.0, u, v, 1.0, m);
        return new SharedFactor(d, m, u, v, k);
    }

    /** Whether the low-rank fold is cheaper than the dense one (k at most d/2). */
    public boolean foldLowRank() {
        return u != null && 2 * k <= d;
    }

    /**
     * This factor followed by {@code next}: M·M_next. Low-rank when both are:
     * (I + UV)(I + U₂V₂) = I + [U | M·U₂]·[V ; V₂], rank k + k₂ (docs/methods.md §2, RECE's epochs); dense
     * once k + k₂ passes d/2, where the low-rank fold stops paying.
     */
    public SharedFactor then(SharedFactor next, LinalgBackend backend) {
        double[] product = new double[d * d];
        backend.gemm(false, false, d, d, d, 1.0, m, next.m, 0.0, product);
        int k2 = next.k, kk = k + k2;
        if (u == null || next.u == null || 2 * kk > d) return new SharedFactor(d, product, null, null, 0);
        double[] mu2 = new double[d * k2];
        if (k2 > 0) backend.gemm(false, false, d, k2, d, 1.0, m, next.u, 0.0, mu2);
        double[] uu = new double[d * kk], vv = new double[kk * d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(u, i * k, uu, i * kk, k);
            System.arraycopy(mu2, i * k2, uu, i * kk + k, k2);
        }
        System.arraycopy(v, 0, vv, 0, k * d);
        System.arraycopy(next.v, 0, vv, k * d, k2 * d);
        return new SharedFactor(d, product, uu, vv, kk);
    }
}
