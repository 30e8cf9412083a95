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
 * @param rows          which token rows are edited ({@link Rows#Y2023} when null)
 */
public record Uce(double lambda, double eraseScale, Double preserveScale, Rows rows) implements EraseMethod {
    /** λ 0.5, s_e 1, s_p max(0.1, 1/|retained prompts|), the 2023 rows. */
    public static final Uce DEFAULTS = new Uce(0.5, 1.0, null);

    /**
     * The token rows UCE edits (docs/methods.md §2). {@code Y2023}, the default: the 2023 script's
     * (train_erase.py, which RECE builds on) — the concept's rows from its last word token on, paired with
     * its guide's, 77 − f rows, and all 77 rows of every retained prompt; it edits every row the caption's
     * text reaches. {@code Y2025}: the 2025 rewrite's (uce_sd_erase.py) — one row per prompt, at its last
     * word token (the BOS row for "" and " ").
     */
    public enum Rows {
        /** The 2023 script's rows (the default). */
        Y2023,
        /** The 2025 rewrite's rows: one per prompt. */
        Y2025
    }

    /**
     * UCE with the 2023 rows.
     *
     * @param lambda        λ ≥ 0
     * @param eraseScale    s_e ≥ 0
     * @param preserveScale s_p ≥ 0, or null for the reference's default
     */
    public Uce(double lambda, double eraseScale, Double preserveScale) {
        this(lambda, eraseScale, preserveScale, Rows.Y2023);
    }

    /** Validates: every number finite and ≥ 0. */
    public Uce {
        if (rows == null) rows = Rows.Y2023;
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
