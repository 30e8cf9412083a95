package dev.erasekit.linalg;

import dev.erasekit.error.InvalidInputException;

/**
 * The d×d factor M of a shared-factor edit (W'_l = W_l·M for every layer; docs/methods.md §2), and
 * when the edit is low-rank its factors: M = I + U·V with U (d×k) and V (k×d), k at most the number of
 * edited rows. The fold then costs ∝ k instead of d: W' = W + (W·U)·V, and M itself is formed only when
 * asked for ({@link #m(LinalgBackend)}). Immutable (arrays not copied: read-only); thread-safe.
 */
public final class SharedFactor {
    private final int d, k;
    private final double[] u, v;
    private volatile double[] m;

    private SharedFactor(int d, double[] m, double[] u, double[] v, int k) {
        if (m != null && m.length != (long) d * d) throw new InvalidInputException("M must be " + d + "×" + d);
        if ((u == null) != (v == null) || u != null && (u.length != (long) d * k || v.length != (long) k * d)) {
            throw new InvalidInputException("U and V must be " + d + "×" + k + " and " + k + "×" + d);
        }
        this.d = d;
        this.m = m;
        this.u = u;
        this.v = v;
        this.k = k;
    }

    /** A factor with no low-rank form. */
    public static SharedFactor dense(double[] m) {
        return new SharedFactor((int) Math.round(Math.sqrt(m.length)), m, null, null, 0);
    }

    /** I + U·V; M is formed on first use (at once when k passes d/2, where the dense fold takes over). */
    public static SharedFactor lowRank(int d, double[] u, double[] v, int k, LinalgBackend backend) {
        SharedFactor f = new SharedFactor(d, null, u, v, k);
        if (2 * k > d) f.m(backend);
        return f;
    }

    /** The text width. */
    public int d() {
        return d;
    }

    /** U (d×k), or null for a dense factor. */
    public double[] u() {
        return u;
    }

    /** V (k×d), or null. */
    public double[] v() {
        return v;
    }

    /** The rank of the factors (0 without them). */
    public int k() {
        return k;
    }

    /** M (d×d row-major), formed as I + U·V with {@code backend} the first time. */
    public double[] m(LinalgBackend backend) {
        double[] x = m;
        if (x == null) {
            synchronized (this) {
                x = m;
                if (x == null) {
                    x = Dense.identity(d, 1.0);
                    if (k > 0) backend.gemm(false, false, d, d, k, 1.0, u, v, 1.0, x);
                    m = x;
                }
            }
        }
        return x;
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
        int k2 = next.k, kk = k + k2;
        if (u == null || next.u == null || 2 * kk > d) {
            double[] mine = m(backend), product;
            if (next.u != null) { // M + (M·U₂)·V₂: 2d²k₂ instead of d³
                double[] mu2 = new double[d * k2];
                backend.gemm(false, false, d, k2, d, 1.0, mine, next.u, 0.0, mu2);
                product = mine.clone();
                backend.gemm(false, false, d, d, k2, 1.0, mu2, next.v, 1.0, product);
            } else {
                product = new double[d * d];
                backend.gemm(false, false, d, d, d, 1.0, mine, next.m(backend), 0.0, product);
            }
            return new SharedFactor(d, product, null, null, 0);
        }
        // M·U₂ = U₂ + U·(V·U₂): O(d·k·k₂)
        double[] vu2 = new double[k * k2], mu2 = next.u.clone();
        backend.gemm(false, false, k, k2, d, 1.0, v, next.u, 0.0, vu2);
        backend.gemm(false, false, d, k2, k, 1.0, u, vu2, 1.0, mu2);
        double[] uu = new double[d * kk], vv = new double[kk * d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(u, i * k, uu, i * kk, k);
            System.arraycopy(mu2, i * k2, uu, i * kk + k, k2);
        }
        System.arraycopy(v, 0, vv, 0, k * d);
        System.arraycopy(next.v, 0, vv, k * d, k2 * d);
        return new SharedFactor(d, null, uu, vv, kk);
    }
}
