package dev.erasekit.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.ort.OrtModel;
import dev.erasekit.ort.OrtRuntime;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.Tokens;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * CLIP score (Hessel et al. 2021, as torchmetrics computes it): 100·cos(image embedding, text
 * embedding) for an image and its prompt, from a CLIP ONNX export in the Hugging Face optimum layout
 * ({@code optimum-cli export onnx --model openai/clip-vit-large-patch14 DIR}): {@code model.onnx} with
 * inputs input_ids, pixel_values (and attention_mask) and outputs text_embeds, image_embeds; the
 * tokenizer's vocab.json and merges.txt; preprocessor_config.json ({@link ClipPreprocessor}).
 * Thread-safe (ONNX Runtime sessions run concurrently); close it once (idempotent).
 */
public final class ClipScorer implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtModel ort;
    private final OrtSession session;
    private final ClipTokenizer tokenizer;
    private final ClipPreprocessor preprocessor;
    private final boolean wantsMask;

    private ClipScorer(Path dir) {
        Path model = dir.resolve("model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new CorruptFileException("no model.onnx in " + dir + ": --clip expects a CLIP ONNX export (optimum layout: "
                    + "model.onnx with outputs text_embeds and image_embeds, vocab.json, merges.txt, preprocessor_config.json)");
        }
        Path tok = Files.exists(dir.resolve("vocab.json")) ? dir : dir.resolve("tokenizer");
        tokenizer = ClipTokenizer.load(tok);
        preprocessor = ClipPreprocessor.read(dir.resolve("preprocessor_config.json"));
        ort = OrtModel.open(model, "CLIP model");
        session = ort.session();
        Set<String> in = session.getInputNames(), out = session.getOutputNames();
        if (!in.contains("input_ids") || !in.contains("pixel_values") || !out.contains("text_embeds")
                || !out.contains("image_embeds")) {
            ort.close();
            throw new CorruptFileException(model + " is not a CLIP export: inputs " + in + ", outputs " + out
                    + "; expected inputs input_ids, pixel_values and outputs text_embeds, image_embeds");
        }
        wantsMask = in.contains("attention_mask");
    }

    public static ClipScorer open(Path dir) {
        if (!Files.isDirectory(dir)) throw new CorruptFileException("CLIP folder not found: " + dir);
        return new ClipScorer(dir);
    }

    /** 100·cos(image, prompt) for the image [3, h, w] in [0, 1]; not clamped (see {@link #clamp}). */
    public double score(float[] chw, int w, int h, String prompt) {
        Tokens t = tokenizer.encode(prompt);
        long[] ids = new long[ClipTokenizer.MAX_LENGTH], mask = new long[ClipTokenizer.MAX_LENGTH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = t.ids()[i];
            mask[i] = i < t.contentLength() + 2 ? 1 : 0;
        }
        float[] pixels = preprocessor.apply(Resample.quantize(chw), w, h);
        int s = preprocessor.crop();
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {1, ids.length}));
            if (wantsMask) inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {1, ids.length}));
            inputs.put("pixel_values", OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 3, s, s}));
            try (OrtSession.Result r = session.run(inputs)) {
                float[] text = ((float[][]) r.get("text_embeds").orElseThrow().getValue())[0];
                float[] image = ((float[][]) r.get("image_embeds").orElseThrow().getValue())[0];
                return 100 * cosine(image, text);
            }
        } catch (OrtException e) {
            throw new NativeFailureException("CLIP failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** torchmetrics' CLIPScore: the mean of 100·cos over images, floored at 0. */
    public static double clamp(double meanScore) {
        return Math.max(meanScore, 0);
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
    }

    @Override
    public void close() {
        ort.close();
    }
}
