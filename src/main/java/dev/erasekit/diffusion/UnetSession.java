package dev.erasekit.diffusion;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.erasekit.CorruptFileException;
import dev.erasekit.InvalidInputException;
import dev.erasekit.NativeFailureException;
import dev.erasekit.OrtRuntime;
import dev.erasekit.OrtSessions;
import dev.erasekit.edit.Edit;
import dev.erasekit.linalg.DType;
import dev.erasekit.linalg.LayerWeights;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.OnnxLayout;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The UNet on ONNX Runtime: ε(x_t, t, c). Optionally with an edit applied in memory: the edited K/V
 * tensors override the graph's initializers ({@code SessionOptions.addInitializer}), so no file is
 * written. Input names and the timestep's dtype and rank are read from the model.
 */
public final class UnetSession implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;
    private final List<OnnxTensor> overrides;
    private final String sampleName, timestepName, textName;
    private final OnnxJavaType timestepType;
    private final boolean scalarTimestep;

    private UnetSession(Path file, Map<String, OnnxTensor> initializers, Device device) {
        this.overrides = new ArrayList<>(initializers.values());
        try (OrtSession.SessionOptions options = device.options()) {
            for (var e : initializers.entrySet()) options.addInitializer(e.getKey(), e.getValue());
            session = env.createSession(file.toString(), options);
            Map<String, NodeInfo> inputs = session.getInputInfo();
            sampleName = find(inputs, "sample");
            timestepName = find(inputs, "timestep");
            textName = find(inputs, "encoder_hidden_states");
            TensorInfo t = (TensorInfo) inputs.get(timestepName).getInfo();
            timestepType = t.type;
            scalarTimestep = t.getShape().length == 0;
        } catch (OrtException e) {
            overrides.forEach(OnnxTensor::close);
            throw OrtSessions.loadFailure("UNet", file, e);
        }
    }

    /** The base UNet of a model folder (or of a folder written by {@code apply}). */
    public static UnetSession open(Path unetFile) {
        return open(unetFile, Device.CPU);
    }

    public static UnetSession open(Path unetFile, Device device) {
        return new UnetSession(unetFile, Map.of(), device);
    }

    /** The model's UNet with the edit's K/V weights applied in memory. */
    public static UnetSession open(StableDiffusionModel model, Edit edit) {
        return open(model, edit, Device.CPU);
    }

    public static UnetSession open(StableDiffusionModel model, Edit edit, Device device) {
        OrtEnvironment env = OrtRuntime.environment();
        Map<String, OnnxTensor> init = new HashMap<>();
        try {
            for (LayerWeights w : edit.layers()) {
                CrossAttentionLayer l = model.layers().stream().filter(x -> x.diffusersName().equals(w.name())).findFirst()
                        .orElseThrow(() -> new InvalidInputException("the edit changes " + w.name() + ", which the model does not have"));
                long[] shape = l.transposed() ? new long[] {l.in(), l.out()} : new long[] {l.out(), l.in()};
                init.put(l.initializer(), l.dtype() == DType.FP16
                        ? OnnxTensor.createTensor(env, OnnxLayout.bytes(l, w), shape, OnnxJavaType.FLOAT16)
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(OnnxLayout.values(l, w)), shape));
            }
        } catch (OrtException e) {
            init.values().forEach(OnnxTensor::close);
            throw new NativeFailureException("cannot build the edited weights: " + e.getMessage(), e);
        }
        try {
            return new UnetSession(model.unetFile(), init, device);
        } catch (RuntimeException e) {
            init.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    private static String find(Map<String, NodeInfo> inputs, String name) {
        if (inputs.containsKey(name)) return name;
        return inputs.keySet().stream().filter(k -> k.contains(name)).findFirst()
                .orElseThrow(() -> new CorruptFileException("the UNet has no input named like '" + name + "': " + inputs.keySet()));
    }

    /**
     * ε for a batch: sample [b, c, h, w], one timestep per batch row, text [b, 77, width]; returns
     * the output in the sample's shape.
     */
    public float[] predict(float[] sample, long[] sampleShape, float[] timesteps, float[] text, long[] textShape) {
        int batch = (int) sampleShape[0];
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(sample), sampleShape);
             OnnxTensor c = OnnxTensor.createTensor(env, FloatBuffer.wrap(text), textShape);
             OnnxTensor t = timestep(timesteps, batch);
             OrtSession.Result r = session.run(Map.of(sampleName, x, timestepName, t, textName, c))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            float[] eps = new float[sample.length];
            out.getFloatBuffer().get(eps);
            return eps;
        } catch (OrtException e) {
            throw new NativeFailureException("UNet failed: " + e.getMessage(), e);
        }
    }

    private OnnxTensor timestep(float[] t, int batch) throws OrtException {
        long[] shape = scalarTimestep ? new long[0] : new long[] {batch};
        float[] v;
        if (scalarTimestep) {
            v = new float[] {t[0]};
        } else if (t.length == batch) {
            v = t;
        } else {
            v = new float[batch];
            java.util.Arrays.fill(v, t[0]);
        }
        return switch (timestepType) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
            case INT64 -> {
                long[] l = new long[v.length];
                for (int i = 0; i < v.length; i++) l[i] = Math.round(v[i]);
                yield OnnxTensor.createTensor(env, LongBuffer.wrap(l), shape);
            }
            default -> throw new CorruptFileException("unsupported UNet timestep type " + timestepType);
        };
    }

    @Override
    public void close() {
        try {
            OrtSessions.close(session, "UNet");
        } finally {
            overrides.forEach(OnnxTensor::close);
        }
    }
}
