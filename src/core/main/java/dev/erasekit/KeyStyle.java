package dev.erasekit;

/** Which checkpoint's tensor names an edit file uses. Immutable; thread-safe. */
public enum KeyStyle {
    /** diffusers state-dict keys: {@code unet.load_state_dict(edit, strict=False)} loads them. */
    DIFFUSERS,
    /** The original CompVis checkpoint's keys ({@code model.diffusion_model.…}), as A1111 and ComfyUI name them. */
    COMPVIS
}
