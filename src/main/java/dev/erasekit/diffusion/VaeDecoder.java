package dev.erasekit.diffusion;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.NativeFailureException;
import dev.erasekit.OrtRuntime;
import dev.erasekit.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** The VAE decoder on ONNX Runtime: latents / 0.18215 → image in about [−1, 1], NCHW (docs/methods.md §1). */
public final class VaeDecoder implements AutoCloseable {
    public static final float LATENT_SCALE = 0.18215f;
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;
    private final String input;

    public VaeDecoder(Path file, Device device) {
        try (OrtSession.SessionOptions o = device.options()) {
            session = env.createSession(file.toString(), o);
            input = session.getInputNames().iterator().next();
        } catch (OrtException e) {
            throw OrtSessions.loadFailure("VAE decoder", file, e);
        }
    }

    /** Decodes latents [b, 4, h, w] (unscaled); returns the image [b, 3, H, W] and its shape. */
    public float[] decode(float[] latents, long[] shape, long[] outShape) {
        float[] scaled = new float[latents.length];
        for (int i = 0; i < scaled.length; i++) scaled[i] = latents[i] / LATENT_SCALE;
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(scaled), shape);
             OrtSession.Result r = session.run(Map.of(input, t))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] s = out.getInfo().getShape();
            System.arraycopy(s, 0, outShape, 0, s.length);
            float[] img = new float[(int) out.getInfo().getNumElements()];
            out.getFloatBuffer().get(img);
            return img;
        } catch (OrtException e) {
            throw new NativeFailureException("VAE decoder failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        OrtSessions.close(session, "VAE decoder");
    }
}
