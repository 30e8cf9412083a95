package dev.erasekit.diffusion;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.ort.OrtRuntime;
import dev.erasekit.ort.OrtTensors;
import java.nio.file.Path;
import java.util.Map;

/**
 * The VAE decoder on ONNX Runtime: latents / scale → image in about [−1, 1], NCHW (docs/methods.md §1).
 * The scale is the VAE config's {@code scaling_factor} (SD v1.x/2.x: 0.18215, SDXL: 0.13025), from the
 * {@code config.json} beside the graph, 0.18215 when there is none. Thread-safe; close it to release the
 * session (idempotent).
 */
public final class VaeDecoder implements AutoCloseable {
    /** SD v1.x's latent scale, the default when the decoder's folder has no config. */
    public static final float LATENT_SCALE = 0.18215f;
    private final float scale;
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel model;
    private final String input;
    private final OnnxJavaType inputType;

    /** Opens the decoder with {@code options}, which it then owns. */
    public VaeDecoder(Path file, OrtSession.SessionOptions options) {
        scale = scalingFactor(file.resolveSibling("config.json"));
        model = OrtModel.open(file, "VAE decoder", options);
        try {
            var in = model.session().getInputInfo().entrySet().iterator().next();
            input = in.getKey();
            inputType = ((TensorInfo) in.getValue().getInfo()).type;
        } catch (OrtException | RuntimeException e) {
            model.close();
            if (e instanceof OrtException o) throw OrtModel.loadFailure("VAE decoder", file, o);
            throw (RuntimeException) e;
        }
    }

    private static float scalingFactor(Path config) {
        if (!java.nio.file.Files.exists(config)) return LATENT_SCALE;
        try {
            var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).path("scaling_factor");
            if (j.isMissingNode() || j.isNull()) return LATENT_SCALE;
            double s = j.asDouble(Double.NaN);
            if (!(s > 0 && s < 100)) throw new dev.erasekit.error.CorruptFileException(config + ": scaling_factor " + j + " is not a positive number");
            return (float) s;
        } catch (java.io.IOException e) {
            throw new dev.erasekit.error.CorruptFileException(config + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** The latent scale this decoder divides by. */
    public float scale() {
        return scale;
    }

    /** Opens the decoder on the CPU. */
    public VaeDecoder(Path file) {
        this(file, OrtOptions.cpu());
    }

    /** Decodes latents [b, 4, h, w] (unscaled); returns the image [b, 3, H, W] and its shape. */
    public float[] decode(float[] latents, long[] shape, long[] outShape) {
        float[] scaled = new float[latents.length];
        for (int i = 0; i < scaled.length; i++) scaled[i] = latents[i] / scale;
        try (OnnxTensor t = OrtTensors.floats(env, scaled, shape, inputType, "the VAE decoder's input");
             OrtSession.Result r = model.session().run(Map.of(input, t))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] s = out.getInfo().getShape();
            System.arraycopy(s, 0, outShape, 0, s.length);
            return OrtTensors.read(out, "the VAE decoder's output");
        } catch (OrtException e) {
            throw model.failure(e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
