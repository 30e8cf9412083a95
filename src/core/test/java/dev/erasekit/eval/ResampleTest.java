package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The two resamplers' conventions, checked where the answer is known exactly: OpenCV's pixel-centre
 * mapping (x + ½)·s − ½ with edge clamping, and Pillow's antialiased bicubic, which reproduces linear
 * ramps (Keys' kernel is exact for polynomials up to degree 2) at the centres (i + ½)·s.
 */
class ResampleTest {
    private static int[] gray(int w, int h, java.util.function.IntBinaryOperator f) {
        int[] out = new int[3 * w * h];
        for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[c * w * h + y * w + x] = f.applyAsInt(x, y);
        return out;
    }

    @Test
    void uniformImagesStayUniform() {
        long seed = dev.erasekit.TestSeeds.seed("uniform resample");
        Random r = new Random(seed);
        int v = r.nextInt(256), w = 20 + r.nextInt(60), h = 20 + r.nextInt(60);
        int[] img = gray(w, h, (x, y) -> v);
        for (int[] out : new int[][] {Resample.bilinear(img, w, h, 37, 91), Resample.bicubic(img, w, h, 224, 150),
                Resample.bicubic(img, w, h, 7, 9)}) {
            assertEquals(1, Arrays.stream(out).distinct().count(), "seed " + seed);
            assertEquals(v, out[0], "seed " + seed);
        }
    }

    @Test
    void bilinearUsesOpenCvPixelCentres() {
        int[] row = gray(4, 1, (x, y) -> new int[] {10, 20, 40, 80}[x]);
        // shrink 4 → 2: sources 0.5 and 2.5
        assertArrayEquals(new int[] {15, 60}, Arrays.copyOf(Resample.bilinear(row, 4, 1, 2, 1), 2));
        int[] two = gray(2, 1, (x, y) -> new int[] {0, 200}[x]);
        // grow 2 → 4: sources −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        assertArrayEquals(new int[] {0, 50, 150, 200}, Arrays.copyOf(Resample.bilinear(two, 2, 1, 4, 1), 4));
    }

    @Test
    void bicubicReproducesRampsAtPillowCentres() {
        int[] ramp = gray(64, 8, (x, y) -> 2 * x + 40);
        int[] half = Resample.bicubic(ramp, 64, 8, 32, 8);
        // output i covers source centre (i + ½)·2 in continuous coordinates = pixel 2i + ½
        for (int i = 4; i < 28; i++) assertEquals(4 * i + 41, half[4 * 32 + i], "pixel " + i);
        int[] up = Resample.bicubic(ramp, 64, 8, 128, 8);
        for (int i = 8; i < 120; i++) assertEquals(Math.round(2 * ((i + 0.5) / 2 - 0.5) + 40), up[i], 0.51, "pixel " + i);
        // antialiasing: shrinking a one-pixel checkerboard ×4 averages it to mid-grey (Java2D/OpenCV would alias)
        int[] checker = gray(64, 64, (x, y) -> (x + y) % 2 == 0 ? 0 : 200);
        int[] small = Resample.bicubic(checker, 64, 64, 16, 16);
        for (int i = 2 * 16 + 2; i < 14 * 16; i += 17) assertEquals(100, small[i], 3, "pixel " + i);
    }
}
