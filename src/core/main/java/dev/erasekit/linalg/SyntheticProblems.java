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
 * token rows ~ N(0, 1). For benchmarks, tests and the solver demo; no model needed.
 * Stateless; thread-safe.
 */
public final class SyntheticProblems {
    public static final int SD14_WIDTH = 768;
    public static final int[] SD14_OUT_ROWS = sd14OutRows();

    private SyntheticProblems() {
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
