package dev.erasekit.method;

import dev.erasekit.error.InvalidInputException;

/**
 * Unified Concept Editing (Gandikota et al., WACV 2024; docs/methods.md §2, eq. 2.1): the concept's
 * rows map to its guide's, the retained prompts ("" plus the preserves) keep their keys and values,
 * λ keeps W' near W. The defaults ({@link #DEFAULTS}) are the reference script's.
 * Immutable; thread-safe.
 *
 * @param lambda        λ ≥ 0, the pull toward the original weights (0.5)
 * @param eraseScale    s_e ≥ 0 (1)
 * @param preserveScale s_p ≥ 0, or null for the reference's max(0.1, 1/|retained prompts|)
 */
public record Uce(double lambda, double eraseScale, Double preserveScale) implements EraseMethod {
    /** λ 0.5, s_e 1, s_p max(0.1, 1/|retained prompts|). */
    public static final Uce DEFAULTS = new Uce(0.5, 1.0, null);

    /** Validates: every number finite and ≥ 0. */
    public Uce {
        if (!Double.isFinite(lambda) || lambda < 0) throw new InvalidInputException("λ must be finite and ≥ 0, got " + lambda);
        if (!Double.isFinite(eraseScale) || eraseScale < 0) {
            throw new InvalidInputException("the erase scale s_e must be finite and ≥ 0, got " + eraseScale);
        }
        if (preserveScale != null && (!Double.isFinite(preserveScale) || preserveScale < 0)) {
            throw new InvalidInputException("the preserve scale s_p must be finite and ≥ 0, got " + preserveScale);
        }
    }

    @Override
    public String name() {
        return "uce";
    }

    /**
     * s_p for this many retained prompts.
     *
     * @param retainedPrompts the number of retained prompts ("" included)
     * @return s_p
     */
    public double preserveScaleFor(int retainedPrompts) {
        return preserveScale != null ? preserveScale : Math.max(0.1, 1.0 / Math.max(1, retainedPrompts));
    }
}
