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
import dev.erasekit.model.InitializerPatch;
import dev.erasekit.model.OnnxLayout;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.ort.OrtRuntime;
import dev.erasekit.ort.OrtTensors;
import dev.erasekit.tensor.DType;
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
    private final String sampleName, timestepName, textName, pooledName, timeIdsName;
    private final OnnxJavaType timestepType, sampleType, textType, pooledType, timeIdsType;
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
            // SDXL's added conditioning (added_cond_kwargs as optimum's flat inputs)
            pooledName = inputs.containsKey("text_embeds") ? "text_embeds" : null;
            timeIdsName = inputs.containsKey("time_ids") ? "time_ids" : null;
            if ((pooledName == null) != (timeIdsName == null)) {
                throw new CorruptFileException(file + ": the UNet takes only one of text_embeds and time_ids: " + inputs.keySet());
            }
            pooledType = pooledName == null ? null : ((TensorInfo) inputs.get(pooledName).getInfo()).type;
            timeIdsType = timeIdsName == null ? null : ((TensorInfo) inputs.get(timeIdsName).getInfo()).type;
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
            OrtEnvironment env = OrtRuntime.environment();
            for (InitializerPatch p : model.patches(edited)) {
                init.put(p.initializer(), p.dtype() != DType.FP32
                        ? OnnxTensor.createTensor(env, p.bytes(), p.onnxShape(), OnnxLayout.onnxType(p.dtype()))
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(p.values()), p.onnxShape()));
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
        if (pooledName != null) {
            throw new IllegalStateException("this UNet takes SDXL's added conditioning: call predict with text_embeds and time_ids");
        }
        return predict(sample, sampleShape, timesteps, text, textShape, null, null);
    }

    /** Whether the UNet takes SDXL's added conditioning ({@code text_embeds}, {@code time_ids}). */
    public boolean addedConditioning() {
        return pooledName != null;
    }

    /**
     * {@link #predict(float[], long[], float[], float[], long[])} with SDXL's added conditioning: the pooled
     * text embeddings [b, p] and the time ids [b, 6] (original size, crop top-left, target size; H before W).
     * Both null for a UNet without them.
     */
    public float[] predict(float[] sample, long[] sampleShape, float[] timesteps, float[] text, long[] textShape, float[] pooled,
                           float[] timeIds) {
        int batch = (int) sampleShape[0];
        if ((pooled != null) != (pooledName != null) || (timeIds != null) != (timeIdsName != null)) {
            throw new IllegalArgumentException("text_embeds/time_ids given " + (pooled != null) + ", taken " + (pooledName != null));
        }
        try (OnnxTensor x = OrtTensors.floats(env, sample, sampleShape, sampleType, "the UNet's sample input");
             OnnxTensor c = OrtTensors.floats(env, text, textShape, textType, "the UNet's encoder_hidden_states input");
             OnnxTensor t = timestep(timesteps, batch);
             OnnxTensor p = pooled == null ? null : OrtTensors.floats(env, pooled, new long[] {batch, pooled.length / batch}, pooledType,
                     "the UNet's text_embeds input");
             OnnxTensor ids = timeIds == null ? null : OrtTensors.floats(env, timeIds, new long[] {batch, timeIds.length / batch},
                     timeIdsType, "the UNet's time_ids input")) {
            Map<String, OnnxTensor> in = new HashMap<>(Map.of(sampleName, x, timestepName, t, textName, c));
            if (p != null) {
                in.put(pooledName, p);
                in.put(timeIdsName, ids);
            }
            try (OrtSession.Result r = model.session().run(in)) {
                return OrtTensors.read((OnnxTensor) r.get(0), "the UNet's output");
            }
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
