package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.tensor.LayerWeights;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every native backend against the plain float64 Java reference at SD v1.4 shapes (32 matrices,
 * d = 768, 80 erase rows), fresh random inputs per run. Bounds: shared factor M ≤ 1e-10 relative
 * (Frobenius), low-rank factors U, V ≤ 1e-10, folded fp32 weights ≤ 1e-5 relative per layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BackendParityTest {
    private final Map<Integer, Reference> references = new HashMap<>();

    private record Reference(NormalEquations problem, SolveResult result) {
    }

    private synchronized Reference reference(int preserveRows) {
        return references.computeIfAbsent(preserveRows, n -> {
            NormalEquations p = SdProblems.sd(SdProblems.seed("parity, " + n + " preserve rows"), n);
            try (LinalgBackend java = new JavaBackend()) {
                return new Reference(p, new NormalEquationSolver(java).solveShared(p));
            }
        });
    }

    @ParameterizedTest(name = "{0} backend, {1} preserve rows")
    @DisplayName("shared-factor solve + fold matches the java reference")
    @CsvSource({"openblas, 77", "openblas, 10000", "cuda, 77", "cuda, 10000"})
    void sharedPathMatchesReference(String backend, int preserveRows) {
        Reference ref = reference(preserveRows);
        try (LinalgBackend b = TestBackends.open(backend)) {
            SolveResult got = new NormalEquationSolver(b).solve(ref.problem());
            assertEquals(SolveResult.Path.SHARED, got.path());
            double mErr = Dense.relativeError(got.sharedFactor().orElseThrow(), ref.result().sharedFactor().orElseThrow());
            assertTrue(mErr <= 1e-10, "shared factor relative error " + mErr);
            assertLayersClose(got.layers(), ref.result().layers(), 1e-5);
        }
    }

    @ParameterizedTest(name = "{0} backend")
    @DisplayName("low-rank UCE factor + fold W + (WU)V matches the java reference")
    @CsvSource({"openblas", "cuda"})
    void lowRankPathMatchesReference(String backend) {
        NormalEquations p = SdProblems.sd(SdProblems.seed("low-rank parity"), 77);
        Targets.Guide g = (Targets.Guide) p.targets();
        SharedFactor want, got;
        List<LayerWeights> wantLayers, gotLayers;
        try (LinalgBackend java = new JavaBackend()) {
            NormalEquationSolver s = new NormalEquationSolver(java);
            want = s.lowRankFactor(p.eraseRows(), g.rows(), p.preserveRows(), p.lambdas()[0], p.eraseScale(), p.preserveScale(),
                    new StageTimes());
            wantLayers = s.fold(p.layers(), want, new StageTimes());
        }
        try (LinalgBackend b = TestBackends.open(backend)) {
            NormalEquationSolver s = new NormalEquationSolver(b);
            got = s.lowRankFactor(p.eraseRows(), g.rows(), p.preserveRows(), p.lambdas()[0], p.eraseScale(), p.preserveScale(),
                    new StageTimes());
            gotLayers = s.fold(p.layers(), got, new StageTimes());
        }
        assertTrue(got.foldLowRank(), "low-rank");
        assertTrue(Dense.relativeError(got.u(), want.u()) <= 1e-10, "U");
        assertTrue(Dense.relativeError(got.v(), want.v()) <= 1e-10, "V");
        assertLayersClose(gotLayers, wantLayers, 1e-5);
    }

    static void assertLayersClose(List<LayerWeights> got, List<LayerWeights> want, double bound) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            double e = Dense.relativeError(got.get(i).w().data(), want.get(i).w().data());
            assertTrue(e <= bound, "layer " + i + " relative error " + e + " > " + bound);
        }
    }
}
