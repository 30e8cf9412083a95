package dev.erasekit;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.diffusion.VaeDecoder;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.WeightOverrides;
import java.nio.file.Path;

/**
 * An engine's shared UNet and VAE decoder sessions, opened on first use, and the options of every
 * session it opens. Thread-safe (ONNX Runtime sessions run concurrently); {@link #close()} closes both.
 */
final class Sessions implements AutoCloseable {
    private final StableDiffusionModel model;
    private final EngineOptions options;
    private UnetSession unet;
    private VaeDecoder vae;
    private boolean closed;

    Sessions(StableDiffusionModel model, EngineOptions options) {
        this.model = model;
        this.options = options;
    }

    synchronized UnetSession unet() {
        requireOpen();
        if (unet == null) unet = openUnet(null);
        return unet;
    }

    synchronized VaeDecoder vae() {
        requireOpen();
        if (vae == null) vae = openVae();
        return vae;
    }

    /** A UNet session of the caller's own (base weights, or {@code edited} applied in memory); the caller closes it. */
    UnetSession openUnet(WeightOverrides edited) {
        OrtSession.SessionOptions o = options(SessionOptionsFactory.Stage.UNET);
        return edited == null ? UnetSession.open(model.unetFile(), o) : UnetSession.open(model, edited, o);
    }

    /** A VAE decoder session of the caller's own; the caller closes it. */
    VaeDecoder openVae() {
        return new VaeDecoder(vaeFile(), options(SessionOptionsFactory.Stage.VAE_DECODER));
    }

    private Path vaeFile() {
        return model.dir().resolve("vae_decoder/model.onnx");
    }

    OrtSession.SessionOptions options(SessionOptionsFactory.Stage stage) {
        return options(options, stage);
    }

    /** New options for {@code stage} (the session takes ownership): the engine's factory, else erasekit's defaults. */
    static OrtSession.SessionOptions options(EngineOptions options, SessionOptionsFactory.Stage stage) {
        if (options.sessionOptions().isPresent()) {
            try {
                return options.sessionOptions().get().create(stage);
            } catch (OrtException e) {
                throw new NativeFailureException("the session options for the " + stage + " were refused: " + e.getMessage(), e);
            }
        }
        if (stage == SessionOptionsFactory.Stage.TEXT_ENCODER) return OrtOptions.textEncoder();
        return options.device() == Device.CUDA ? OrtOptions.cuda() : OrtOptions.cpu();
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("the engine is closed");
    }

    @Override
    public void close() {
        UnetSession u;
        VaeDecoder v;
        synchronized (this) {
            closed = true;
            u = unet;
            v = vae;
            unet = null;
            vae = null;
        }
        try (v; u) {
            // closed by try-with-resources, VAE first
        }
    }
}
