package dev.erasekit.method;

import dev.erasekit.error.InvalidInputException;

/**
 * The surgical anchor erase with the unconditional score held exactly (All-but-One's objective in
 * closed form; docs/methods.md §4, eqs. 4.1–4.2).
 * Immutable; thread-safe.
 *
 * @param lambda        λ > 0, the pull toward the original weights (0.01)
 * @param preserveScale α ≥ 0, the weight of the soft preserve rows (0.1)
 * @param nullTolerance eigenvalues of C_∅C_∅ᵀ at most this fraction of the largest count as zero. Rounding
 *                      leaves the true zeros near 1e-16 of the largest, while SD-like "" prompts' smallest
 *                      real eigenvalues sit above 1e-8 (the wide test model: 9.5e-7), so 1e-10 separates them.
 */
public record Surgical(double lambda, double preserveScale, double nullTolerance) implements EraseMethod {
    /** λ 0.01, α 0.1, tolerance 1e-10. */
    public static final Surgical DEFAULTS = new Surgical(0.01, 0.1, 1e-10);

    /** Validates: λ finite and > 0, α finite and ≥ 0, tolerance in (0, 1). */
    public Surgical {
        if (!(lambda > 0) || !Double.isFinite(lambda)) throw new InvalidInputException("λ must be finite and > 0, got " + lambda);
        if (!(preserveScale >= 0) || !Double.isFinite(preserveScale)) {
            throw new InvalidInputException("the preserve scale α must be finite and ≥ 0, got " + preserveScale);
        }
        if (!(nullTolerance > 0 && nullTolerance < 1)) {
            throw new InvalidInputException("the null-space tolerance must be in (0, 1), got " + nullTolerance);
        }
    }

    @Override
    public String name() {
        return "surgical";
    }

    @Override
    public String targetsName() {
        return "anchors";
    }
}
