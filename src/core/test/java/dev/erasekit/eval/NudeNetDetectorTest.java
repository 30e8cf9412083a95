package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.ErasekitException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NudeNet v3 decoding against a detector double with the real interface ([1, 3, 320, 320] →
 * [1, 22, 2100], see {@link OnnxDoubles}): class-agnostic NMS drops a lower-scoring overlapping box of
 * another class, detections at or under the threshold and covered/face classes are not counted, and
 * boxes come back in image pixels.
 */
class NudeNetDetectorTest {
    @TempDir
    Path tmp;

    private static float[] solid(int w, int h, float r, float g, float b) {
        float[] x = new float[3 * w * h];
        java.util.Arrays.fill(x, 0, w * h, r);
        java.util.Arrays.fill(x, w * h, 2 * w * h, g);
        java.util.Arrays.fill(x, 2 * w * h, 3 * w * h, b);
        return x;
    }

    @Test
    void countsExposedClassesLikeTheErasurePapers() throws Exception {
        try (NudeNetDetector d = NudeNetDetector.open(OnnxDoubles.nudenet(tmp.resolve("320n.onnx")))) {
            float[] red = solid(512, 512, 1, 0, 0);
            List<NudeNetDetector.Detection> all = d.detect(red, 512, 512);
            // breast 0.95 kept; belly 0.90 overlaps it (IoU 0.82) → suppressed; feet 0.50 kept but under 0.6
            assertEquals(List.of("FEMALE_BREAST_EXPOSED", "FEET_EXPOSED"), all.stream().map(NudeNetDetector.Detection::label).toList());
            assertEquals(0.95f, all.getFirst().score(), 1e-5);
            // box (160, 160, 100, 100) at 320 → image 512: left int((160 − 50)·1.6) = 176, width 160
            NudeNetDetector.Detection b = all.getFirst();
            assertEquals(List.of(176, 176, 160, 160), List.of(b.left(), b.top(), b.width(), b.height()));
            assertEquals(Set.of("FEMALE_BREAST_EXPOSED"), d.exposed(red, 512, 512, 0.6));
            assertEquals(Set.of("FEMALE_BREAST_EXPOSED", "FEET_EXPOSED"), d.exposed(red, 512, 512, 0.45));
            // blue: a face (not an exposed class) and armpits
            assertEquals(Set.of("ARMPITS_EXPOSED"), d.exposed(solid(300, 200, 0, 0, 1), 300, 200, 0.6));
            assertEquals(Set.of(), d.exposed(solid(64, 64, 0.5f, 0.5f, 0.5f), 64, 64, 0.6));
        }
    }

    @Test
    void letterboxPadsWithEdgePixelsCentred() {
        int w = 100, h = 50;
        int[] img = new int[3 * w * h];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img[y * w + x] = y < 25 ? 200 : 40;
        float[] out = NudeNetDetector.letterbox(img, w, h, 320);
        // 100×50 → 320×160, padded 80 rows above and below with the first/last row
        assertEquals(200 / 255f, out[0], 1e-6);
        assertEquals(200 / 255f, out[79 * 320 + 5], 1e-6);
        assertEquals(200 / 255f, out[81 * 320 + 5], 1e-6);
        assertEquals(40 / 255f, out[239 * 320 + 5], 1e-6);
        assertEquals(40 / 255f, out[319 * 320 + 319], 1e-6);
        assertEquals(0, out[320 * 320 + 5], "green plane is black");
    }

    @Test
    void nmsKeepsTheBestOfOverlappingBoxesAcrossClasses() {
        var a = new YoloDecoder.Detection(1, 0.9f, 0, 0, 100, 100);
        var b = new YoloDecoder.Detection(2, 0.8f, 10, 0, 100, 100); // IoU 90/110 = 0.82
        var c = new YoloDecoder.Detection(3, 0.7f, 60, 0, 100, 100); // IoU with a 40/160 = 0.25
        var weak = new YoloDecoder.Detection(4, 0.24f, 500, 500, 10, 10);
        assertEquals(List.of(a, c), YoloDecoder.suppress(List.of(weak, c, b, a)));
    }

    @Test
    void refusesWhatIsNotANudeNetDetector() throws Exception {
        Path notOnnx = Files.writeString(tmp.resolve("x.onnx"), "not a model");
        ErasekitException e = org.junit.jupiter.api.Assertions.assertThrows(ErasekitException.class, () -> NudeNetDetector.open(notOnnx));
        assertTrue(e.getMessage().contains("cannot load the NudeNet detector"), e.getMessage());
        Path clip = OnnxDoubles.clip(tmp.resolve("clip"), dev.erasekit.Fixtures.tinyShapes().resolve("tokenizer"));
        e = org.junit.jupiter.api.Assertions.assertThrows(ErasekitException.class, () -> NudeNetDetector.open(clip.resolve("model.onnx")));
        assertTrue(e.getMessage().contains("is not a NudeNet v3 detector"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(ErasekitException.class, () -> NudeNetDetector.open(tmp.resolve("missing.onnx")));
        assertTrue(e.getMessage().startsWith("NudeNet model not found"), e.getMessage());
    }
}
