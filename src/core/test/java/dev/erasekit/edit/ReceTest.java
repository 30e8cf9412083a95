package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.EraseResult;
import dev.erasekit.Fixtures;
import dev.erasekit.TestEngines;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.JavaBackend;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NormalEquations;
import dev.erasekit.linalg.Targets;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RECE's d×d algebra (W' = W·M, Σ W'ᵀW' = MᵀGM) against a plain per-layer implementation of the
 * same algorithm (docs/methods.md §3) on the wide test model: every epoch's derived embedding and the final
 * weights agree to ≤ 1e-5 relative.
 */
class ReceTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Rece.Derivation.class)
    void dxdPathEqualsThePerLayerReference(Rece.Derivation derivation, @TempDir Path tmp) {
        Rece s = new Rece(3, 0.1, derivation, Rece.UCE_STAGE, Rece.EPOCH_STAGE, List.of(" "));
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySdWide());
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.OPENBLAS, tmp);
             TextEmbedder embedder = TestEngines.embedder(model, tmp)) {
            EraseResult fast = engine.erase(new EraseRequest(s, List.of("nudity", "naked woman"), List.of(" "), List.of(), true));
            List<PromptEmbedding> concepts = embedder.embedAll(List.of("nudity", "naked woman"));
            PromptEmbedding guide = embedder.embed(" "), empty = embedder.embed("");
            List<double[]> derived = new ArrayList<>();
            List<LayerWeights> slow = perLayer(model.readWeights(), concepts, guide, empty, s, derived);
            assertEquals(derived.size(), fast.derived().size());
            for (int k = 0; k < derived.size(); k++) {
                double e = Dense.relativeError(fast.derived().get(k), derived.get(k));
                assertTrue(e <= 1e-5, "derived embedding " + k + ": " + e);
            }
            for (int l = 0; l < slow.size(); l++) {
                double e = Dense.relativeError(fast.edit().overrides().layers().get(l).w().data(), slow.get(l).w().data());
                assertTrue(e <= 1e-5, "layer " + l + ": " + e);
            }
        }
    }

    /** RECE written out per layer, with explicit edited weights and no shared factor. */
    static List<LayerWeights> perLayer(List<LayerWeights> base, List<PromptEmbedding> concepts, PromptEmbedding guide,
                                       PromptEmbedding empty, Rece s, List<double[]> derivedOut) {
        try (LinalgBackend java = new JavaBackend()) {
            NormalEquationSolver solver = new NormalEquationSolver(java);
            int d = base.getFirst().width();
            List<PromptEmbedding> guides = concepts.stream().map(c -> guide).toList();
            List<LayerWeights> current = solver.solveGeneral(UceEquations.problem(base, concepts, guides, List.of(empty),
                    s.uceStage())).layers();
            PromptEmbedding space = guide; // epoch retain [" "]
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                List<FloatMatrix> adversarial = new ArrayList<>();
                for (PromptEmbedding c : concepts) {
                    // c' = (λ_r I + Σ W'ᵀW')⁻¹ (Σ W'ᵀW c [+ λ_r g]), row by row
                    double[] h = Dense.identity(d, s.reg()), cross = new double[d * d];
                    for (int l = 0; l < base.size(); l++) {
                        double[] w2 = Dense.toDouble(current.get(l).w().data()), w = Dense.toDouble(base.get(l).w().data());
                        int out = base.get(l).out();
                        java.gemm(true, false, d, d, out, 1.0, w2, w2, 1.0, h);
                        java.gemm(true, false, d, d, out, 1.0, w2, w, 1.0, cross);
                    }
                    double[] rhs = new double[77 * d];
                    java.gemm(false, true, 77, d, d, 1.0, Dense.toDouble(c.rows().data()), cross, 0.0, rhs);
                    if (s.derivation() == Rece.Derivation.STANDARDREG) {
                        for (int i = 0; i < rhs.length; i++) rhs[i] += s.reg() * guide.rows().data()[i];
                    }
                    java.solveRightSpd(h, d, rhs, 77);
                    derivedOut.add(rhs);
                    adversarial.add(ReceEpochs.toFloat(rhs, 77, d));
                }
                FloatMatrix erase = FloatMatrix.stack(adversarial, d);
                List<FloatMatrix> targets = new ArrayList<>();
                for (LayerWeights w : current) {
                    float[] v = new float[erase.rows() * w.out()];
                    for (int r = 0; r < erase.rows(); r++) {
                        for (int i = 0; i < w.out(); i++) {
                            double acc = 0;
                            for (int j = 0; j < d; j++) acc += (double) w.w().get(i, j) * guide.rows().get(r % 77, j);
                            v[r * w.out() + i] = (float) acc;
                        }
                    }
                    targets.add(new FloatMatrix(erase.rows(), w.out(), v));
                }
                Uce e = s.epochStage();
                current = solver.solveGeneral(NormalEquations.uniform(current, erase, new Targets.PerLayer(targets),
                        space.rows(), e.lambda(), e.eraseScale(), e.preserveScaleFor(1))).layers();
            }
            return current;
        }
    }
}
