package dev.erasekit;

/**
 * How long an {@link Engine} keeps its ONNX Runtime sessions (text encoder, UNet, VAE decoder), each of
 * which holds its model's weights and an arena of activations.
 * Immutable; thread-safe.
 */
public enum SessionRetention {
    /** Open on first use and kept for the next call: what a service wants (the default). */
    KEEP,
    /**
     * Each closed as soon as its stage of a call is done (the text encoder once the prompts are embedded,
     * the UNet before the VAE decodes): the lowest peak memory, for one-shot command lines; the next call
     * opens them again.
     */
    RELEASE
}
