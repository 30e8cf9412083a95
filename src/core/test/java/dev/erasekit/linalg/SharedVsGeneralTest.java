package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shared-factor path and the per-layer path solve the same problem: fp32 weights agree within
 * 1e-5 relative. The general path also handles per-layer λ and arbitrary targets, where every
 * backend must agree with the java reference.
 */
class SharedVsGeneralTest {

    @Test
    void sharedEqualsGeneralAtSdShapes() {
        NormalEquations p = SdProblems.sd(SdProblems.seed("shared vs general"), 77);
        try (LinalgBackend b = Backends.open("openblas")) {
            NormalEquationSolver s = new NormalEquationSolver(b);
            SolveResult shared = s.solveShared(p), general = s.solveGeneral(p);
            assertEquals(SolveResult.Path.GENERAL, general.path());
            BackendParityTest.assertLayersClose(shared.layers(), general.layers(), 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "openblas", "cuda"})
    void sharedEqualsGeneralOnEveryBackend(String backend) {
        // one layer of each SD width keeps the per-layer path quick on the naive test double
        NormalEquations p = SdProblems.uce(SdProblems.seed("shared vs general, " + backend),
                new int[] {320, 640, 1280}, 768, 80, 77, 0.5);
        try (LinalgBackend b = TestBackends.open(backend)) {
            NormalEquationSolver s = new NormalEquationSolver(b);
            BackendParityTest.assertLayersClose(s.solveShared(p).layers(), s.solveGeneral(p).layers(), 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"openblas", "cuda"})
    void perLayerLambdaAndTargetsMatchReference(String backend) {
        long seed = SdProblems.seed("per-layer λ, " + backend);
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = {320, 640, 1280};
        List<LayerWeights> layers = SdProblems.layers(r, out, 768);
        FloatMatrix erase = SdProblems.gaussian(r, 40, 768, 1.0);
        List<FloatMatrix> v = new ArrayList<>();
        for (int o : out) v.add(SdProblems.gaussian(r, 40, o, 0.5));
        NormalEquations p = new NormalEquations(layers, erase, new Targets.PerLayer(v),
                SdProblems.gaussian(r, 77, 768, 1.0), new double[] {0.1, 0.5, 2.0}, 1.0, 0.2);
        assertFalse(p.sharedFactorValid());
        SolveResult want;
        try (LinalgBackend java = new JavaBackend()) {
            want = new NormalEquationSolver(java).solve(p);
        }
        try (LinalgBackend b = TestBackends.open(backend)) {
            SolveResult got = new NormalEquationSolver(b).solve(p);
            assertEquals(SolveResult.Path.GENERAL, got.path());
            assertTrue(got.sharedFactor().isEmpty());
            BackendParityTest.assertLayersClose(got.layers(), want.layers(), 1e-5);
        }
    }

    @Test
    void fp16WeightsComeBackAsFp16() {
        NormalEquations base = SdProblems.uce(SdProblems.seed("fp16"), new int[] {16, 32}, 48, 10, 20, 0.5);
        List<LayerWeights> half = base.layers().stream().map(l -> {
            float[] v = l.w().data().clone();
            for (int i = 0; i < v.length; i++) v[i] = DType.FP16.round(v[i]);
            return new LayerWeights(l.name(), new FloatMatrix(l.out(), l.width(), v), DType.FP16);
        }).toList();
        NormalEquations p = new NormalEquations(half, base.eraseRows(), base.targets(), base.preserveRows(),
                base.lambdas(), base.eraseScale(), base.preserveScale());
        try (LinalgBackend java = new JavaBackend()) {
            for (LayerWeights l : new NormalEquationSolver(java).solve(p).layers()) {
                assertEquals(DType.FP16, l.dtype());
                float[] v = l.w().data();
                float[] rounded = v.clone();
                for (int i = 0; i < v.length; i++) rounded[i] = DType.FP16.round(v[i]);
                assertTrue(Arrays.equals(v, rounded), "values are representable in fp16");
            }
        }
    }
}
