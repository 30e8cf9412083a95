package dev.erasekit;

import dev.erasekit.error.InvalidInputException;

/**
 * How an edit is exported ({@link Engine#export}, {@link Edit#export}).
 * Immutable; thread-safe.
 *
 * @param format       the file format
 * @param rank         0 for the exact factors (the numerical rank of ΔW); otherwise keep the N largest singular
 *                     components of each layer's ΔW (delta formats only)
 * @param padAttention also write zero LoRA factors for every other attention projection (attn1 q/k/v/out,
 *                     attn2 q/out): for diffusers' attention-processor loader (before 0.22), which wants a
 *                     LoRA for every attention layer (lora and peft only)
 */
public record ExportOptions(ExportFormat format, int rank, boolean padAttention) {
    /** Checks the combination. */
    public ExportOptions {
        if (format == null) throw new InvalidInputException("no export format");
        if (rank < 0) throw new InvalidInputException("--rank must be at least 1 (or 0 for the exact rank), got " + rank);
        if (rank > 0 && !format.delta()) {
            throw new InvalidInputException("--rank applies to the lora, lora-compvis, peft and diff formats, not " + format.cliName());
        }
        if (padAttention && format != ExportFormat.LORA && format != ExportFormat.PEFT) {
            throw new InvalidInputException("--pad-attention applies to the lora and peft formats only");
        }
    }

    /**
     * The exact export in {@code format}.
     *
     * @param format the format
     * @return the options
     */
    public static ExportOptions of(ExportFormat format) {
        return new ExportOptions(format, 0, false);
    }
}
