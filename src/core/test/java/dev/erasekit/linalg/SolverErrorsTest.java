package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Clear errors for systems that are not positive definite, non-finite input, and mismatched shapes. */
class SolverErrorsTest {

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "openblas", "cuda"})
    void lambdaZeroWithTooFewRowsIsNotPositiveDefinite(String backend) {
        // λ = 0, 20 erase + 10 preserve rows in width 64: rank 30 < 64
        NormalEquations p = SdProblems.uce(SdProblems.seed("npd"), new int[] {8}, 64, 20, 10, 0.0);
        try (LinalgBackend b = TestBackends.open(backend)) {
            var e = assertThrows(NotPositiveDefiniteException.class, () -> new NormalEquationSolver(b).solve(p));
            assertTrue(e.getMessage().contains("not positive definite") && e.getMessage().contains("λ > 0"),
                    e.getMessage());
            assertTrue(e.pivot() > 1 && e.pivot() <= 64, "pivot " + e.pivot());
        }
    }

    @Test
    void nonFiniteInputIsRefused() {
        NormalEquations ok = SdProblems.uce(1, new int[] {8}, 16, 4, 4, 0.5);
        FloatMatrix bad = new FloatMatrix(4, 16, ok.eraseRows().data().clone());
        bad.data()[21] = Float.NaN;
        var e = assertThrows(ErasekitException.class, () -> new NormalEquations(ok.layers(), bad, ok.targets(),
                ok.preserveRows(), ok.lambdas(), 1, 1));
        assertTrue(e.getMessage().contains("erase rows") && e.getMessage().contains("row 1, column 5"), e.getMessage());
        FloatMatrix inf = new FloatMatrix(8, 16, ok.layers().get(0).w().data().clone());
        inf.data()[0] = Float.POSITIVE_INFINITY;
        assertThrows(ErasekitException.class, () -> new NormalEquations(
                List.of(new LayerWeights("x", inf, DType.FP32)), ok.eraseRows(), ok.targets(), ok.preserveRows(),
                ok.lambdas(), 1, 1));
        assertThrows(ErasekitException.class, () -> NormalEquations.uniform(ok.layers(), ok.eraseRows(),
                ok.targets(), ok.preserveRows(), Double.NaN, 1, 1));
    }

    @Test
    void mismatchedDimensionsAreRefused() {
        SplittableRandom r = new SplittableRandom(7);
        NormalEquations ok = SdProblems.uce(2, new int[] {8}, 16, 4, 4, 0.5);
        var wideLayer = new LayerWeights("wide", SdProblems.gaussian(r, 8, 17, 1), DType.FP32);
        var e = assertThrows(ErasekitException.class, () -> NormalEquations.uniform(List.of(wideLayer),
                ok.eraseRows(), ok.targets(), ok.preserveRows(), 0.5, 1, 1));
        assertTrue(e.getMessage().contains("input width 17"), e.getMessage());
        assertThrows(ErasekitException.class, () -> NormalEquations.uniform(ok.layers(), ok.eraseRows(),
                new Targets.Guide(SdProblems.gaussian(r, 3, 16, 1)), ok.preserveRows(), 0.5, 1, 1));
        assertThrows(ErasekitException.class, () -> NormalEquations.uniform(ok.layers(), ok.eraseRows(),
                ok.targets(), SdProblems.gaussian(r, 4, 15, 1), 0.5, 1, 1));
        assertThrows(ErasekitException.class, () -> NormalEquations.uniform(ok.layers(), ok.eraseRows(),
                new Targets.PerLayer(List.of(SdProblems.gaussian(r, 4, 9, 1))), ok.preserveRows(), 0.5, 1, 1));
        assertThrows(ErasekitException.class, () -> new NormalEquations(ok.layers(), ok.eraseRows(), ok.targets(),
                ok.preserveRows(), new double[] {0.5, 0.5}, 1, 1));
    }
}
