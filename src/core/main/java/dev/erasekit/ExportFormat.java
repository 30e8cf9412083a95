package dev.erasekit;

/**
 * The file formats an edit is written in for other tools (README, "Loading an edit elsewhere").
 * Immutable; thread-safe.
 */
public enum ExportFormat {
    /** The erasekit edit file, diffusers keys: {@code unet.load_state_dict(edit, strict=False)}; erasekit reads it back. */
    DIFFUSERS("diffusers", false),
    /** The erasekit edit file, CompVis keys ({@code model.diffusion_model.…}): merge into a single-file checkpoint. */
    COMPVIS("compvis", false),
    /** kohya LoRA, diffusers module names: A1111, ComfyUI, Forge, InvokeAI, diffusers' {@code load_lora_weights}. */
    LORA("lora", true),
    /** kohya LoRA, CompVis module names ({@code lora_unet_input_blocks_1_1_…}): A1111, ComfyUI, Forge. */
    LORA_COMPVIS("lora-compvis", true),
    /** PEFT LoRA ({@code unet.<module>.lora_A/lora_B}): diffusers' PEFT-based {@code load_lora_weights}. */
    PEFT("peft", true),
    /** Full-rank ΔW per layer ({@code <kohya name>.diff}): A1111 and ComfyUI. */
    DIFF("diff", true);

    private final String cliName;
    private final boolean delta;

    ExportFormat(String cliName, boolean delta) {
        this.cliName = cliName;
        this.delta = delta;
    }

    /**
     * The format's name on the command line.
     *
     * @return e.g. "lora-compvis"
     */
    public String cliName() {
        return cliName;
    }

    /**
     * Whether the file holds the change ΔW (LoRA, PEFT, diff) rather than the new weights W'.
     *
     * @return true for the delta formats
     */
    public boolean delta() {
        return delta;
    }

    /**
     * The format a command line names.
     *
     * @param name e.g. "lora"
     * @return the format
     * @throws dev.erasekit.error.InvalidInputException for an unknown name
     */
    public static ExportFormat ofCliName(String name) {
        for (ExportFormat f : values()) if (f.cliName.equals(name)) return f;
        throw new dev.erasekit.error.InvalidInputException("unknown format '" + name + "': give one of diffusers, compvis, lora,"
                + " lora-compvis, peft, diff");
    }
}
