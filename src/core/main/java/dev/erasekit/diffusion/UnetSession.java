package dev.erasekit.diffusion;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.OnnxLayout;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.ort.OrtRuntime;
import dev.erasekit.ort.OrtTensors;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.tensor.WeightOverrides;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The UNet on ONNX Runtime: ε(x_t, t, c). Optionally with edited weights applied in memory: the new
 * K/V tensors override the graph's initializers ({@code SessionOptions.addInitializer}), so no file is
 * written; the override tensors and the options live as long as the session (ONNX Runtime requires
 * both). Input names and the timestep's dtype and rank are read from the model. Thread-safe (ONNX
 * Runtime sessions run concurrently); close it to release the session (idempotent).
 */
public final class UnetSession implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel model;
    private final List<OnnxTensor> overrides;
    private final String sampleName, timestepName, textName;
    private final OnnxJavaType timestepType, sampleType, textType;
    private final boolean scalarTimestep;

    /** Takes ownership of {@code initializers} and {@code options}: closed with the session, or at once on failure. */
    private UnetSession(Path file, Map<String, OnnxTensor> initializers, OrtSession.SessionOptions options) {
        this.overrides = new ArrayList<>(initializers.values());
        OrtModel m;
        try {
            for (var e : initializers.entrySet()) options.addInitializer(e.getKey(), e.getValue());
            m = OrtModel.open(file, "UNet", options);
        } catch (OrtException | RuntimeException e) {
            overrides.forEach(OnnxTensor::close);
            if (e instanceof OrtException o) {
                options.close();
                throw OrtModel.loadFailure("UNet", file, o);
            }
            throw (RuntimeException) e;
        }
        this.model = m;
        try {
            Map<String, NodeInfo> inputs = m.session().getInputInfo();
            sampleName = find(inputs, "sample");
            timestepName = find(inputs, "timestep");
            textName = find(inputs, "encoder_hidden_states");
            TensorInfo t = (TensorInfo) inputs.get(timestepName).getInfo();
            timestepType = t.type;
            sampleType = ((TensorInfo) inputs.get(sampleName).getInfo()).type;
            textType = ((TensorInfo) inputs.get(textName).getInfo()).type;
            scalarTimestep = t.getShape().length == 0;
        } catch (OrtException | RuntimeException e) {
            close();
            if (e instanceof OrtException o) throw OrtModel.loadFailure("UNet", file, o);
            throw (RuntimeException) e;
        }
    }

    /** The base UNet of a model folder (or of a folder written by {@code apply}), on the CPU. */
    public static UnetSession open(Path unetFile) {
        return open(unetFile, OrtOptions.cpu());
    }

    /** The UNet in {@code unetFile} with {@code options}, which the session then owns. */
    public static UnetSession open(Path unetFile, OrtSession.SessionOptions options) {
        return new UnetSession(unetFile, Map.of(), options);
    }

    /** The model's UNet with {@code edited} weights applied in memory, on the CPU. */
    public static UnetSession open(StableDiffusionModel model, WeightOverrides edited) {
        return open(model, edited, OrtOptions.cpu());
    }

    /**
     * The model's UNet with {@code edited} weights applied in memory; refuses weights made for another
     * base ({@link StableDiffusionModel#requireBase}). Takes ownership of {@code options}.
     */
    public static UnetSession open(StableDiffusionModel model, WeightOverrides edited, OrtSession.SessionOptions options) {
        Map<String, OnnxTensor> init = new HashMap<>();
        try {
            model.requireBase(edited.baseFingerprint(), "these weights");
            OrtEnvironment env = OrtRuntime.environment();
            for (LayerWeights w : edited.layers()) {
                CrossAttentionLayer l = model.layer(w.name());
                long[] shape = l.transposed() ? new long[] {l.in(), l.out()} : new long[] {l.out(), l.in()};
                init.put(l.initializer(), l.dtype() != DType.FP32
                        ? OnnxTensor.createTensor(env, OnnxLayout.bytes(l, w), shape, OnnxLayout.onnxType(l.dtype()))
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(OnnxLayout.values(l, w)), shape));
            }
        } catch (OrtException | RuntimeException e) {
            init.values().forEach(OnnxTensor::close);
            options.close();
            if (e instanceof OrtException o) throw new NativeFailureException("cannot build the edited weights: " + o.getMessage(), o);
            throw (RuntimeException) e;
        }
        return new UnetSession(model.unetFile(), init, options);
    }

    private static String find(Map<String, NodeInfo> inputs, String name) {
        if (inputs.containsKey(name)) return name;
        return inputs.keySet().stream().filter(k -> k.contains(name)).findFirst()
                .orElseThrow(() -> new CorruptFileException("the UNet has no input named like '" + name + "': " + inputs.keySet()));
    }

    /**
     * ε for a batch: sample [b, c, h, w], one timestep per batch row, text [b, 77, width]; returns
     * the output in the sample's shape. Fed and read in the graph's float type (fp32, or fp16 for an
     * fp16 export).
     */
    public float[] predict(float[] sample, long[] sampleShape, float[] timesteps, float[] text, long[] textShape) {
        int batch = (int) sampleShape[0];
        try (OnnxTensor x = OrtTensors.floats(env, sample, sampleShape, sampleType, "the UNet's sample input");
             OnnxTensor c = OrtTensors.floats(env, text, textShape, textType, "the UNet's encoder_hidden_states input");
             OnnxTensor t = timestep(timesteps, batch);
             OrtSession.Result r = model.session().run(Map.of(sampleName, x, timestepName, t, textName, c))) {
            return OrtTensors.read((OnnxTensor) r.get(0), "the UNet's output");
        } catch (OrtException e) {
            throw model.failure(e);
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
            Arrays.fill(v, t[0]);
        }
        return switch (timestepType) {
            case FLOAT, FLOAT16 -> OrtTensors.floats(env, v, shape, timestepType, "the UNet's timestep input");
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
            if (model != null) model.close();
        } finally {
            synchronized (overrides) {
                overrides.forEach(OnnxTensor::close);
                overrides.clear();
            }
        }
    }
}
