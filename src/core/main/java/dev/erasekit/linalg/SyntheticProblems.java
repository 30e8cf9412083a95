package dev.erasekit.linalg;

import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random UCE problems at Stable Diffusion v1.4 shapes (docs/methods.md §1): 32 cross-attention K/V
 * matrices with 10×320, 10×640 and 12×1280 output rows, text width 768. Weights ~ N(0, 0.03²),
 * token rows ~ N(0, 1). For benchmarks, tests and the solver demo; no model needed. {@link Shapes} gives the other
 * families' K/V shapes (SD 2.1: the same 32 matrices at d = 1024; SDXL: 140 at d = 2048).
 * Stateless; thread-safe.
 */
public final class SyntheticProblems {
    public static final int SD14_WIDTH = 768;
    public static final int[] SD14_OUT_ROWS = sd14OutRows();

    private SyntheticProblems() {
    }

    /**
     * A family's K/V shapes: the output rows of each matrix and the text width.
     *
     * @param outRows rows of each K/V matrix
     * @param width   the text width d
     */
    public record Shapes(int[] outRows, int width) {
        /**
         * By name: "sd15" (SD v1.x: 10×320, 10×640, 12×1280; d 768), "sd21" (SD 2.x: the same at d 1024), "sdxl" (SDXL base:
         * 70 attn2 modules — down 1 and up 1 at 640 with 2 transformers each, down 2, mid and up 0 at 1280 with 10 —
         * 20×640 and 120×1280 rows, 166,400 in all; d 2048).
         *
         * @param family sd15, sd21 or sdxl
         * @return its shapes
         */
        public static Shapes of(String family) {
            return switch (family) {
                case "sd15" -> new Shapes(SD14_OUT_ROWS, SD14_WIDTH);
                case "sd21" -> new Shapes(SD14_OUT_ROWS, 1024);
                case "sdxl" -> {
                    int[] r = new int[140];
                    for (int i = 0; i < 140; i++) r[i] = i < 20 ? 640 : 1280;
                    yield new Shapes(r, 2048);
                }
                default -> throw new IllegalArgumentException("family must be sd15, sd21 or sdxl, got " + family);
            };
        }

        /** Rows of all matrices together. */
        public long totalRows() {
            long s = 0;
            for (int r : outRows) s += r;
            return s;
        }
    }

    private static int[] sd14OutRows() {
        int[] r = new int[32];
        for (int i = 0; i < 32; i++) r[i] = i < 10 ? 320 : i < 20 ? 640 : 1280;
        return r;
    }

    /** Guide targets, one λ, s_e = 1, s_p = 0.3. */
    public static NormalEquations uce(long seed, int[] outRows, int width, int eraseRows, int preserveRows,
                                      double lambda) {
        SplittableRandom r = new SplittableRandom(seed);
        return NormalEquations.uniform(layers(r, outRows, width), gaussian(r, eraseRows, width, 1.0),
                new Targets.Guide(gaussian(r, eraseRows, width, 1.0)), gaussian(r, preserveRows, width, 1.0),
                lambda, 1.0, 0.3);
    }

    /** SD v1.4 shapes, 80 erase rows, λ = 0.5. */
    public static NormalEquations sd14(long seed, int preserveRows) {
        return uce(seed, SD14_OUT_ROWS, SD14_WIDTH, 80, preserveRows, 0.5);
    }

    public static List<LayerWeights> layers(SplittableRandom r, int[] outRows, int width) {
        List<LayerWeights> out = new ArrayList<>();
        for (int i = 0; i < outRows.length; i++) {
            out.add(new LayerWeights("layer" + i, gaussian(r, outRows[i], width, 0.03), DType.FP32));
        }
        return out;
    }

    public static FloatMatrix gaussian(SplittableRandom r, int rows, int cols, double scale) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (gauss(r) * scale);
        return new FloatMatrix(rows, cols, v);
    }

    /** Box–Muller (SplittableRandom has no nextGaussian). */
    private static double gauss(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
