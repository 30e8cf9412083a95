package dev.erasekit.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hugging Face CLIP image processor, configured by {@code preprocessor_config.json}: the shortest
 * edge resized to {@code size} (Pillow bicubic, the long edge int(size·long/short)), a centre crop of
 * {@code crop_size} (offset (in − crop) / 2, rounded down), ×{@code rescale_factor} (1/255), then
 * (x − image_mean) / image_std per channel. Without the file, OpenAI CLIP's values (224, ViT mean/std).
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 *
 * @param size  shortest-edge length after resizing
 * @param crop  side of the square crop
 */
public record ClipPreprocessor(int size, int crop, double rescale, double[] mean, double[] std) {
    public static final ClipPreprocessor OPENAI = new ClipPreprocessor(224, 224, 1 / 255.0,
            new double[] {0.48145466, 0.4578275, 0.40821073}, new double[] {0.26862954, 0.26130258, 0.27577711});

    public static ClipPreprocessor read(Path file) {
        if (!Files.exists(file)) return OPENAI;
        try {
            JsonNode j = new ObjectMapper().readTree(file.toFile());
            int size = side(j.get("size"), OPENAI.size), crop = side(j.get("crop_size"), size);
            double rescale = j.path("rescale_factor").asDouble(OPENAI.rescale);
            double[] mean = triple(j.get("image_mean"), OPENAI.mean), std = triple(j.get("image_std"), OPENAI.std);
            if (size <= 0 || crop <= 0 || crop > size) throw new CorruptFileException(file + ": bad size " + size + " / crop_size " + crop);
            return new ClipPreprocessor(size, crop, rescale, mean, std);
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** An int, {"shortest_edge": n} or {"height": n, "width": n}. */
    private static int side(JsonNode n, int fallback) {
        if (n == null || n.isNull()) return fallback;
        if (n.isNumber()) return n.asInt();
        if (n.has("shortest_edge")) return n.get("shortest_edge").asInt();
        if (n.has("height") && n.path("width").asInt() == n.get("height").asInt()) return n.get("height").asInt();
        throw new CorruptFileException("unsupported CLIP image size " + n + " (expected a square size)");
    }

    private static double[] triple(JsonNode n, double[] fallback) {
        if (n == null || !n.isArray()) return fallback;
        if (n.size() != 3) throw new CorruptFileException("image_mean/image_std must have 3 values: " + n);
        return new double[] {n.get(0).asDouble(), n.get(1).asDouble(), n.get(2).asDouble()};
    }

    /** pixel_values [3, crop, crop] for planar 8-bit RGB w×h. */
    public float[] apply(int[] rgb, int w, int h) {
        int rw = w <= h ? size : (int) ((long) size * w / h), rh = w <= h ? (int) ((long) size * h / w) : size;
        int[] resized = rw == w && rh == h ? rgb : Resample.bicubic(rgb, w, h, rw, rh);
        int top = (rh - crop) / 2, left = (rw - crop) / 2;
        float[] out = new float[3 * crop * crop];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < crop; y++) {
                for (int x = 0; x < crop; x++) {
                    double v = resized[c * rw * rh + (y + top) * rw + x + left] * rescale;
                    out[c * crop * crop + y * crop + x] = (float) ((v - mean[c]) / std[c]);
                }
            }
        }
        return out;
    }
}
