package dev.erasekit.edit;

/**
 * UCE's parameters (docs/methods.md §2); the defaults are the reference script's.
 *
 * @param lambda        λ, the pull towards the original weights (0.5)
 * @param eraseScale    s_e (1)
 * @param preserveScale s_p; null means max(0.1, 1/|retain texts|)
 */
public record UceSettings(double lambda, double eraseScale, Double preserveScale) {
    public static final UceSettings DEFAULTS = new UceSettings(0.5, 1.0, null);

    public double preserveScaleFor(int retainTexts) {
        return preserveScale != null ? preserveScale : Math.max(0.1, 1.0 / Math.max(1, retainTexts));
    }
}
