package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.TestSeeds;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Foreground masks, their IoU and the Wilson interval. */
class StructureTest {
    /** Published values of the 95 % Wilson interval (z = 1.96). */
    @Test
    void wilsonIntervals() {
        assertArrayEquals(new double[] {0, 0.2775}, Wilson.interval(0, 10), 1e-4);
        assertArrayEquals(new double[] {0.2366, 0.7634}, Wilson.interval(5, 10), 1e-4);
        assertArrayEquals(new double[] {0.7225, 1}, Wilson.interval(10, 10), 1e-4);
        assertArrayEquals(new double[] {0, 1}, Wilson.interval(0, 0), 0);
    }

    /** A saturated square on a noisy pale background is found; a shifted square has the IoU its overlap gives. */
    @Test
    void squareOnNoisyBackground() {
        long seed = TestSeeds.seed("structure");
        Random r = new Random(seed);
        int w = 32, h = 32;
        float[] a = image(r, w, h, 8, 8, 12), b = image(r, w, h, 12, 8, 12);
        BitSet ma = Structure.mask(a, w, h), mb = Structure.mask(b, w, h), truth = square(w, 8, 8, 12), shifted = square(w, 12, 8, 12);
        double found = Structure.iou(ma, truth);
        assertTrue(found >= 0.95, "mask vs the drawn square: " + found + " (seed " + seed + ")");
        assertEquals(Structure.iou(truth, shifted), Structure.iou(ma, mb), 0.05, "seed " + seed);
        assertEquals(8.0 * 12 / (12 * 12 + 12 * 12 - 8 * 12), Structure.iou(truth, shifted), 1e-12);
        assertEquals(1.0, Structure.iou(new BitSet(), new BitSet()));
    }

    private static float[] image(Random r, int w, int h, int x0, int y0, int side) {
        float[] img = new float[3 * w * h];
        float[] bg = {0.85f, 0.95f, 0.9f}, fg = {0.9f, 0.1f, 0.1f};
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean in = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
                for (int c = 0; c < 3; c++) {
                    float v = (in ? fg[c] : bg[c]) + (float) r.nextGaussian() * 0.04f;
                    img[c * w * h + y * w + x] = Math.clamp(v, 0f, 1f);
                }
            }
        }
        return img;
    }

    private static BitSet square(int w, int x0, int y0, int side) {
        BitSet m = new BitSet();
        for (int y = y0; y < y0 + side; y++) for (int x = x0; x < x0 + side; x++) m.set(y * w + x);
        return m;
    }
}
