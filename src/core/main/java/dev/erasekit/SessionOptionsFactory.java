package dev.erasekit;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * Makes the ONNX Runtime options for each session the engine opens; the engine owns (and closes, after
 * the session) what this returns. Supply your own to set threads, execution providers or arena
 * settings. Must be thread-safe.
 */
@FunctionalInterface
public interface SessionOptionsFactory {
    /** The sessions an engine opens. */
    enum Stage {
        /** The CLIP text encoder. */
        TEXT_ENCODER,
        /** The UNet (one session per set of weights). */
        UNET,
        /** The VAE decoder. */
        VAE_DECODER
    }

    /**
     * New options for one session of {@code stage}.
     *
     * @throws OrtException when ONNX Runtime refuses a setting
     * @param stage the session's stage
     * @return new options, owned by the session they are used for
     */
    OrtSession.SessionOptions create(Stage stage) throws OrtException;
}
