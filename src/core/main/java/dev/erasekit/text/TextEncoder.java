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
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A CLIP text encoder on ONNX Runtime: token ids [B, 77] → hidden states [B, 77, width], the UNet's
 * {@code encoder_hidden_states} (docs/methods.md §1): {@code last_hidden_state} (SD v1.x/2.x), or the
 * penultimate layer's {@code hidden_states.(N−1)} (SDXL, from optimum's exports with
 * {@code output_hidden_states}), and optionally the pooled projection {@code text_embeds} (SDXL's second
 * encoder). Input name and integer type (int32 in the diffusers converter's exports, int64 in others) are
 * read from the model; prompts are encoded in batches. Thread-safe (ONNX Runtime sessions run
 * concurrently); close it to release the session.
 */
public final class TextEncoder implements AutoCloseable {
    /** Prompts per encoder call: batching amortises the per-run overhead, the cap bounds memory. */
    static final int BATCH = 16;
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel model;
    private final String inputName;
    private final OnnxJavaType inputType;
    private final String outputName;
    private final String pooledName;

    /** One prompt's hidden states [77, width] and, when asked for, its pooled embedding (else null). */
    public record Encoded(FloatMatrix rows, float[] pooled) {
    }

    /** Opens the encoder ({@code last_hidden_state}, no pooled output) with {@code options}, which it then owns. */
    public TextEncoder(Path modelFile, OrtSession.SessionOptions options) {
        this(modelFile, options, false, false);
    }

    /**
     * Opens the encoder with {@code options}, which it then owns.
     *
     * @param penultimate read the penultimate layer's hidden state (SDXL) instead of {@code last_hidden_state}
     * @param pooled      also read {@code text_embeds}
     */
    public TextEncoder(Path modelFile, OrtSession.SessionOptions options, boolean penultimate, boolean pooled) {
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
            var names = session.getOutputNames();
            if (penultimate) {
                int last = names.stream().filter(n -> n.matches("hidden_states\\.\\d+"))
                        .mapToInt(n -> Integer.parseInt(n.substring("hidden_states.".length()))).max().orElse(-1);
                if (last < 1) {
                    throw new CorruptFileException(modelFile + ": the pipeline needs the penultimate hidden state, but the encoder"
                            + " has no hidden_states.N outputs (export it with output_hidden_states, as optimum does): " + names);
                }
                outputName = "hidden_states." + (last - 1);
            } else {
                outputName = names.contains("last_hidden_state") ? "last_hidden_state" : names.iterator().next();
            }
            if (pooled && !names.contains("text_embeds")) {
                throw new CorruptFileException(modelFile + ": the pipeline needs the pooled text_embeds, which the encoder does not"
                        + " output: " + names);
            }
            pooledName = pooled ? "text_embeds" : null;
        } catch (OrtException | RuntimeException e) {
            model.close();
            if (e instanceof RuntimeException r) throw r;
            throw OrtModel.loadFailure("text encoder", modelFile, (OrtException) e);
        }
    }

    /** The hidden states of one prompt's 77 ids, as a [77, width] matrix. */
    public FloatMatrix encode(int[] ids) {
        return encode(List.of(ids)).getFirst().rows();
    }

    /** The hidden states (and pooled embedding) of each prompt, [77, width] each, run in batches of {@value #BATCH}. */
    public List<Encoded> encode(List<int[]> prompts) {
        List<Encoded> out = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += BATCH) out.addAll(run(prompts.subList(from, Math.min(prompts.size(), from + BATCH))));
        return out;
    }

    private List<Encoded> run(List<int[]> batch) {
        int n = batch.size(), len = batch.getFirst().length;
        long[] shape = {n, len};
        int[] ids = new int[n * len];
        for (int i = 0; i < n; i++) System.arraycopy(batch.get(i), 0, ids, i * len, len);
        try (OnnxTensor in = inputType == OnnxJavaType.INT32
                ? OnnxTensor.createTensor(env, IntBuffer.wrap(ids), shape)
                : OnnxTensor.createTensor(env, LongBuffer.wrap(Arrays.stream(ids).asLongStream().toArray()), shape);
             OrtSession.Result r = model.session().run(Map.of(inputName, in))) {
            OnnxTensor t = (OnnxTensor) r.get(outputName).orElseThrow();
            long[] dims = t.getInfo().getShape();
            int rows = (int) dims[1], width = (int) dims[2];
            float[] values = OrtTensors.read(t, "the text encoder's " + outputName);
            float[] pooled = null;
            int p = 0;
            if (pooledName != null) {
                OnnxTensor pt = (OnnxTensor) r.get(pooledName).orElseThrow();
                pooled = OrtTensors.read(pt, "the text encoder's " + pooledName);
                p = pooled.length / n;
            }
            List<Encoded> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] one = new float[rows * width];
                System.arraycopy(values, i * rows * width, one, 0, one.length);
                out.add(new Encoded(new FloatMatrix(rows, width, one), pooled == null ? null : Arrays.copyOfRange(pooled, i * p, (i + 1) * p)));
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
