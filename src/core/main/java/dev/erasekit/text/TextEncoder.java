package dev.erasekit.text;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtRuntime;
import dev.erasekit.ort.OrtTensors;
import dev.erasekit.tensor.FloatMatrix;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The CLIP text encoder on ONNX Runtime: token ids [B, 77] → {@code last_hidden_state} [B, 77, width],
 * the UNet's {@code encoder_hidden_states} (docs/methods.md §1). Input name and integer type (int32 in
 * the diffusers converter's exports, int64 in others) are read from the model; prompts are encoded in
 * batches. Thread-safe (ONNX Runtime sessions run concurrently); close it to release the session.
 */
public final class TextEncoder implements AutoCloseable {
    /** Prompts per encoder call: batching amortises the per-run overhead, the cap bounds memory. */
    static final int BATCH = 16;
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel model;
    private final String inputName;
    private final OnnxJavaType inputType;
    private final String outputName;

    /** Opens the encoder with {@code options}, which it then owns. */
    public TextEncoder(Path modelFile, OrtSession.SessionOptions options) {
        model = OrtModel.open(modelFile, "text encoder", options);
        try {
            OrtSession session = model.session();
            Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
            inputName = input.getKey();
            inputType = ((TensorInfo) input.getValue().getInfo()).type;
            if (inputType != OnnxJavaType.INT32 && inputType != OnnxJavaType.INT64) {
                throw new CorruptFileException(modelFile + ": text encoder input " + inputName + " is " + inputType
                        + ", expected int32 or int64 token ids");
            }
            outputName = session.getOutputNames().contains("last_hidden_state") ? "last_hidden_state"
                    : session.getOutputNames().iterator().next();
        } catch (OrtException | RuntimeException e) {
            model.close();
            if (e instanceof RuntimeException r) throw r;
            throw OrtModel.loadFailure("text encoder", modelFile, (OrtException) e);
        }
    }

    /** last_hidden_state of one prompt's 77 ids, as a [77, width] matrix. */
    public FloatMatrix encode(int[] ids) {
        return encode(List.of(ids)).getFirst();
    }

    /** last_hidden_state of each prompt, [77, width] each, run in batches of {@value #BATCH}. */
    public List<FloatMatrix> encode(List<int[]> prompts) {
        List<FloatMatrix> out = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += BATCH) out.addAll(run(prompts.subList(from, Math.min(prompts.size(), from + BATCH))));
        return out;
    }

    private List<FloatMatrix> run(List<int[]> batch) {
        int n = batch.size(), len = batch.getFirst().length;
        long[] shape = {n, len};
        int[] ids = new int[n * len];
        for (int i = 0; i < n; i++) System.arraycopy(batch.get(i), 0, ids, i * len, len);
        try (OnnxTensor in = inputType == OnnxJavaType.INT32
                ? OnnxTensor.createTensor(env, IntBuffer.wrap(ids), shape)
                : OnnxTensor.createTensor(env, LongBuffer.wrap(java.util.Arrays.stream(ids).asLongStream().toArray()), shape);
             OrtSession.Result r = model.session().run(Map.of(inputName, in))) {
            OnnxTensor t = (OnnxTensor) r.get(outputName).orElseThrow();
            long[] dims = t.getInfo().getShape();
            int rows = (int) dims[1], width = (int) dims[2];
            float[] values = OrtTensors.read(t, "the text encoder's " + outputName);
            List<FloatMatrix> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] one = new float[rows * width];
                System.arraycopy(values, i * rows * width, one, 0, one.length);
                out.add(new FloatMatrix(rows, width, one));
            }
            return out;
        } catch (OrtException e) {
            throw model.failure(e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
