package dev.erasekit.edit;

import dev.erasekit.InvalidInputException;

/**
 * Parameters of the surgical anchor erase (docs/methods.md §4).
 *
 * @param lambda        λ, the pull towards the original weights
 * @param preserveScale α, the weight of the soft preserve rows
 * @param nullTolerance eigenvalues of C_∅C_∅ᵀ at most this fraction of the largest count as zero: the
 *                      complement of span(C_∅). Rounding leaves the true zeros near 1e-16 of the
 *                      largest, while SD-like null prompts' smallest real eigenvalues sit above 1e-8
 *                      (the wide fixture: 9.5e-7), so 1e-10 separates the two.
 */
public record SurgicalSettings(double lambda, double preserveScale, double nullTolerance) {
    public static final SurgicalSettings DEFAULTS = new SurgicalSettings(0.01, 0.1, 1e-10);

    public SurgicalSettings {
        if (!(lambda > 0) || !Double.isFinite(lambda)) throw new InvalidInputException("λ must be > 0, got " + lambda);
        if (!(preserveScale >= 0) || !Double.isFinite(preserveScale)) {
            throw new InvalidInputException("the preserve scale α must be finite and ≥ 0, got " + preserveScale);
        }
        if (!(nullTolerance > 0 && nullTolerance < 1)) {
            throw new InvalidInputException("the null-space tolerance must be in (0, 1), got " + nullTolerance);
        }
    }
}
