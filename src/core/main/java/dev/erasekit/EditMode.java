package dev.erasekit;

/** How an edit reaches the UNet during generation. Immutable; thread-safe. */
public enum EditMode {
    /** The edited K/V weights override the UNet's (a UNet session with the edit applied in memory). */
    WEIGHTS,
    /** Every token row c becomes M·c before the unedited UNet (shared-factor edits; no new session). */
    EMBEDDING
}
