package dev.erasekit.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtRuntime;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any ONNX image classifier: input [1, 3, H, W] RGB in [0, 1]; for each output named in the
 * {@code labels.json} beside it (output name → label list), the winning label. The input is resized
 * (nearest) to the model's fixed size when the image differs.
 * Thread-safe (ONNX Runtime sessions run concurrently); close it once (idempotent).
 */
public final class ImageClassifier implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel ort;
    private final OrtSession session;
    private final String input;
    private final long[] inputShape;
    private final Map<String, List<String>> labels = new LinkedHashMap<>();

    public ImageClassifier(Path model) {
        Path labelFile = model.resolveSibling("labels.json");
        if (!Files.exists(labelFile)) throw new CorruptFileException("classifier labels missing: " + labelFile);
        try {
            JsonNode j = new ObjectMapper().readTree(labelFile.toFile());
            j.properties().forEach(e -> {
                if (e.getValue().isArray()) {
                    List<String> l = new ArrayList<>();
                    e.getValue().forEach(x -> l.add(x.asText()));
                    labels.put(e.getKey(), l);
                }
            });
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + labelFile + ": " + e.getMessage(), e);
        }
        if (labels.isEmpty()) throw new CorruptFileException(labelFile + " names no output → labels list");
        ort = OrtModel.open(model, "classifier");
        session = ort.session();
        try {
            input = session.getInputNames().iterator().next();
            inputShape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(input).getInfo()).getShape();
            Map<String, ai.onnxruntime.NodeInfo> outputs = session.getOutputInfo();
            for (var e : labels.entrySet()) {
                ai.onnxruntime.NodeInfo o = outputs.get(e.getKey());
                if (o == null) {
                    throw new CorruptFileException(labelFile + " names the output '" + e.getKey() + "', which the classifier"
                            + " does not have (outputs: " + outputs.keySet() + ")");
                }
                long[] shape = ((ai.onnxruntime.TensorInfo) o.getInfo()).getShape();
                long classes = shape.length == 0 ? -1 : shape[shape.length - 1];
                if (classes > 0 && classes != e.getValue().size()) {
                    throw new CorruptFileException(labelFile + " gives " + e.getValue().size() + " labels for the output '"
                            + e.getKey() + "', which has " + classes + " classes");
                }
            }
        } catch (OrtException | RuntimeException e) {
            ort.close();
            if (e instanceof ErasekitException x) throw x;
            throw new NativeFailureException("cannot read the classifier " + model + ": " + e.getMessage(), e);
        }
    }

    public Map<String, List<String>> labels() {
        return labels;
    }

    /** Output name → winning label for the image [3, h, w] in [0, 1]. */
    public Map<String, String> classify(float[] chw, int w, int h) {
        int tw = inputShape.length == 4 && inputShape[3] > 0 ? (int) inputShape[3] : w;
        int th = inputShape.length == 4 && inputShape[2] > 0 ? (int) inputShape[2] : h;
        float[] x = tw == w && th == h ? chw : resize(chw, w, h, tw, th);
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 3, th, tw});
             OrtSession.Result r = session.run(Map.of(input, t))) {
            Map<String, String> out = new LinkedHashMap<>();
            for (var e : labels.entrySet()) {
                float[] scores = ((float[][]) r.get(e.getKey()).orElseThrow(() -> new InvalidInputException(
                        "the classifier has no output " + e.getKey())).getValue())[0];
                int best = 0;
                for (int i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
                out.put(e.getKey(), e.getValue().get(best));
            }
            return out;
        } catch (OrtException e) {
            throw new NativeFailureException("classifier failed: " + e.getMessage(), e);
        }
    }

    private static float[] resize(float[] chw, int w, int h, int tw, int th) {
        float[] out = new float[3 * tw * th];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) out[c * tw * th + y * tw + x] = chw[c * w * h + (y * h / th) * w + x * w / tw];
            }
        }
        return out;
    }

    @Override
    public void close() {
        ort.close();
    }
}
