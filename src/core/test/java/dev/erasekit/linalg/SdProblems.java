package dev.erasekit.linalg;

import dev.erasekit.TestSeeds;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;
import java.util.SplittableRandom;

/** Test-side access to {@link SyntheticProblems}, with seeds that are printed for replay. */
final class SdProblems {
    static final int WIDTH = SyntheticProblems.SD14_WIDTH;

    private SdProblems() {
    }

    /** A fresh seed, printed so a failure can be replayed ({@link TestSeeds}). */
    static long seed(String what) {
        return TestSeeds.seed(what);
    }

    static FloatMatrix gaussian(SplittableRandom r, int rows, int cols, double scale) {
        return SyntheticProblems.gaussian(r, rows, cols, scale);
    }

    static List<LayerWeights> layers(SplittableRandom r, int[] outRows, int width) {
        return SyntheticProblems.layers(r, outRows, width);
    }

    static NormalEquations uce(long seed, int[] outRows, int width, int eraseRows, int preserveRows, double lambda) {
        return SyntheticProblems.uce(seed, outRows, width, eraseRows, preserveRows, lambda);
    }

    static NormalEquations sd(long seed, int preserveRows) {
        return SyntheticProblems.sd14(seed, preserveRows);
    }
}
