package dev.erasekit.eval;

/**
 * The Wilson score interval of a rate k/n (E. B. Wilson, JASA 1927): at 95 % (z = 1.96),
 * (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n). Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1]
 * and is not empty at 0 % or 100 %, which small image counts hit. Stateless; thread-safe.
 */
public final class Wilson {
    private static final double Z = 1.959963984540054;

    private Wilson() {
    }

    /**
     * @param k successes
     * @param n trials (0 gives [0, 1])
     * @return {low, high}
     */
    public static double[] interval(int k, int n) {
        if (n <= 0) return new double[] {0, 1};
        double p = (double) k / n, z2 = Z * Z, den = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / den, half = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
        // at k = 0 and k = n the bound is exactly 0 and 1 (rounding would leave ±1e-17 off the rate)
        return new double[] {k == 0 ? 0 : Math.max(0, centre - half), k == n ? 1 : Math.min(1, centre + half)};
    }
}
