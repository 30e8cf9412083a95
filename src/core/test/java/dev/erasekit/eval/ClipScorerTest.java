package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.text.ClipTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIP score against a CLIP double with the optimum interface ({@link OnnxDoubles}): for a uniform
 * image of a random colour and size (resize and crop then cannot change it), the score equals
 * 100·cos computed here in float64 from the colour and the prompt's tokens, within 1e-4 relative.
 */
class ClipScorerTest {
    static final Path TOKENIZER = dev.erasekit.Fixtures.tinyShapes().resolve("tokenizer");

    @TempDir
    Path tmp;

    @Test
    void scoreIs100CosOfTheEmbeddings() throws Exception {
        long seed = dev.erasekit.TestSeeds.seed("clip score");
        Random rnd = new Random(seed);
        try (ClipScorer s = ClipScorer.open(OnnxDoubles.clip(tmp.resolve("clip"), TOKENIZER))) {
            ClipTokenizer tok = ClipTokenizer.load(TOKENIZER);
            for (int trial = 0; trial < 4; trial++) {
                int w = 16 + rnd.nextInt(300), h = 16 + rnd.nextInt(300);
                float[] rgb = {rnd.nextFloat(), rnd.nextFloat(), rnd.nextFloat()};
                if (trial == 0) rgb = new float[] {1, 0, 0};
                String prompt = new String[] {"a red circle", "a blue square", "green", "a photo of a cat"}[rnd.nextInt(4)];
                float[] img = new float[3 * w * h];
                for (int c = 0; c < 3; c++) java.util.Arrays.fill(img, c * w * h, (c + 1) * w * h, rgb[c]);
                double[] v = new double[3];
                for (int c = 0; c < 3; c++) v[c] = Math.round(rgb[c] * 255) / 255.0;
                double[] image = new double[3];
                for (int c = 0; c < 3; c++) image[c] = Math.max(0, v[c] - Math.max(v[(c + 1) % 3], v[(c + 2) % 3]) - 0.3) + 1e-3;
                double[] text = new double[3];
                var t = tok.encode(prompt);
                float[] table = OnnxDoubles.textTable();
                for (int i = 0; i < t.contentLength() + 2; i++) for (int j = 0; j < 3; j++) text[j] += table[t.ids()[i] * 3 + j];
                double dot = 0, a = 0, b = 0;
                for (int j = 0; j < 3; j++) {
                    dot += image[j] * text[j];
                    a += image[j] * image[j];
                    b += text[j] * text[j];
                }
                double want = 100 * dot / Math.sqrt(a * b), got = s.score(img, w, h, prompt);
                assertEquals(want, got, 1e-4 * Math.abs(want) + 1e-6, "seed " + seed + ", " + w + "×" + h + " " + prompt);
            }
            float[] red = new float[3 * 64 * 64];
            java.util.Arrays.fill(red, 0, 64 * 64, 1f);
            assertTrue(s.score(red, 64, 64, "a red circle") > 90 && s.score(red, 64, 64, "a blue circle") < 10);
        }
    }

    @Test
    void preprocessorReadsHuggingFaceConfigs() throws Exception {
        Path f = Files.writeString(tmp.resolve("p.json"), "{\"size\": 256, \"crop_size\": 240, \"image_mean\": [0.5, 0.5, 0.5],"
                + " \"image_std\": [0.25, 0.25, 0.25]}");
        ClipPreprocessor p = ClipPreprocessor.read(f);
        assertEquals(256, p.size());
        assertEquals(240, p.crop());
        assertEquals(0.5, p.mean()[1]);
        assertEquals(ClipPreprocessor.OPENAI, ClipPreprocessor.read(tmp.resolve("absent.json")));
        // 640×480 → shortest edge 256: 341×256, crop 240 from (50, 8)
        int[] img = new int[3 * 640 * 480];
        for (int y = 0; y < 480; y++) for (int x = 0; x < 640; x++) img[y * 640 + x] = x < 320 ? 255 : 0;
        float[] out = p.apply(img, 640, 480);
        assertEquals(3 * 240 * 240, out.length);
        assertEquals((1 - 0.5) / 0.25, out[0], 1e-6, "left edge white");
        assertEquals((0 - 0.5) / 0.25, out[239], 1e-6, "right edge black");
    }

    @Test
    void refusesFoldersThatAreNotClipExports() throws Exception {
        ErasekitException e = assertThrows(ErasekitException.class, () -> ClipScorer.open(tmp));
        assertTrue(e.getMessage().startsWith("no model.onnx in"), e.getMessage());
        Path dir = OnnxDoubles.clip(tmp.resolve("clip"), TOKENIZER);
        OnnxDoubles.nudenet(dir.resolve("model.onnx.tmp"));
        Files.move(dir.resolve("model.onnx.tmp"), dir.resolve("model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(ErasekitException.class, () -> ClipScorer.open(dir));
        assertTrue(e.getMessage().contains("is not a CLIP export"), e.getMessage());
    }
}
