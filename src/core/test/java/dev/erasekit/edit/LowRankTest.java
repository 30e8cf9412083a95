package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Controls;
import dev.erasekit.TestSeeds;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.linalg.SyntheticProblems;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The real-scale algebra against the dense implementations it replaces, at SD v1.4 shapes (32 K/V
 * matrices of 320–1280 rows, d = 768) on fresh random inputs: the low-rank UCE and surgical factors
 * equal the dense ones (M ≤ 1e-10 relative), the low-rank fold equals the dense fold (fp32 weights
 * ≤ 1e-5 relative per layer), RECE's epochs from second moments equal its epochs on explicit rows
 * (M ≤ 1e-8, and ≤ 1e-3 of what one fp32 rounding of the inputs does), and the d×d metrics equal the same quantities computed layer by layer in float64.
 */
class LowRankTest {
    static final int D = SyntheticProblems.SD14_WIDTH;

    private static PromptEmbedding embedding(SplittableRandom r, String prompt, int words) {
        return new PromptEmbedding(new Tokens(prompt, new int[77], List.of(), words, 0), SyntheticProblems.gaussian(r, 77, D, 1.0));
    }

    /**
     * An embedding near {@code base} ({@code scale} relative noise): concepts near a shared template near their guide keep
     * RECE's edits small, as with real prompts ("painting by X"); unrelated random ones make it diverge (and be refused).
     */
    private static PromptEmbedding near(SplittableRandom r, FloatMatrix base, String prompt, int words, double scale) {
        FloatMatrix noise = SyntheticProblems.gaussian(r, base.rows(), base.cols(), scale);
        float[] v = noise.data().clone();
        for (int i = 0; i < v.length; i++) v[i] += base.data()[i];
        return new PromptEmbedding(new Tokens(prompt, new int[77], List.of(), words, 0), new FloatMatrix(base.rows(), base.cols(), v));
    }

    @Test
    void lowRankUceFactorAndFoldEqualTheDenseOnes() {
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("low-rank UCE"));
        List<LayerWeights> layers = SyntheticProblems.layers(r, SyntheticProblems.SD14_OUT_ROWS, D);
        FloatMatrix c = SyntheticProblems.gaussian(r, 75, D, 1.0), g = SyntheticProblems.gaussian(r, 75, D, 1.0);
        FloatMatrix p = SyntheticProblems.gaussian(r, 77, D, 1.0);
        try (LinalgBackend b = Backends.open("openblas")) {
            NormalEquationSolver s = new NormalEquationSolver(b);
            StageTimes t = new StageTimes();
            double[] dense = s.sharedFactor(c, g, p, 0.5, 1.0, 1.0, t);
            SharedFactor low = s.lowRankFactor(c, g, p, 0.5, 1.0, 1.0, t);
            assertEquals(75, low.k());
            assertTrue(low.foldLowRank());
            double e = Dense.relativeError(low.m(b), dense);
            System.out.printf("low-rank UCE factor vs dense: %.2e%n", e);
            assertTrue(e <= 1e-10, "M: " + e);
            List<LayerWeights> viaDense = s.fold(layers, dense, t), viaLow = s.fold(layers, low, t);
            double worst = 0;
            for (int l = 0; l < layers.size(); l++) {
                worst = Math.max(worst, Dense.relativeError(viaLow.get(l).w().data(), viaDense.get(l).w().data()));
            }
            System.out.printf("low-rank fold vs dense fold: worst layer %.2e%n", worst);
            assertTrue(worst <= 1e-5, "fold: " + worst);
        }
    }

    @Test
    void lowRankSurgicalFactorEqualsTheDenseFormula() {
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("low-rank surgical"));
        FloatMatrix e = SyntheticProblems.gaussian(r, 75, D, 1.0), a = SyntheticProblems.gaussian(r, 75, D, 1.0);
        FloatMatrix empty = SyntheticProblems.gaussian(r, 77, D, 1.0), soft = SyntheticProblems.gaussian(r, 20, D, 1.0);
        try (LinalgBackend b = Backends.open("openblas")) {
            SurgicalFactor.Result res = SurgicalFactor.factor(e, a, soft, empty, Surgical.DEFAULTS, b);
            // the dense formula of docs/methods.md eq. 4.2: I + (C_a − C_e)ᵀ C_e Q (QᵀNQ)⁻¹ Qᵀ, written out
            NullConstraint nc = NullConstraint.of(empty, Surgical.DEFAULTS.nullTolerance(), b);
            int k = nc.free();
            double[] n = Dense.identity(D, Surgical.DEFAULTS.lambda());
            b.gramAccumulate(n, D, e.data(), e.rows(), 1.0);
            b.gramAccumulate(n, D, soft.data(), soft.rows(), Surgical.DEFAULTS.preserveScale());
            double[] nq = new double[D * k], qnq = new double[k * k];
            b.gemm(false, false, D, k, D, 1.0, n, nc.basis(), 0.0, nq);
            b.gemm(true, false, k, k, D, 1.0, nc.basis(), nq, 0.0, qnq);
            double[] diff = new double[e.data().length];
            for (int i = 0; i < diff.length; i++) diff[i] = (double) a.data()[i] - e.data()[i];
            double[] x = new double[D * D], xq = new double[D * k];
            b.gemm(true, false, D, D, e.rows(), 1.0, diff, Dense.toDouble(e.data()), 0.0, x);
            b.gemm(false, false, D, k, D, 1.0, x, nc.basis(), 0.0, xq);
            b.solveRightSpd(qnq, k, xq, D);
            double[] want = Dense.identity(D, 1.0);
            b.gemm(false, true, D, D, k, 1.0, xq, nc.basis(), 1.0, want);
            double err = Dense.relativeError(res.factor().m(b), want);
            System.out.printf("low-rank surgical factor vs dense: %.2e (rank %d)%n", err, res.factor().k());
            assertTrue(err <= 1e-10, "M: " + err);
            assertEquals(75, res.factor().k());
        }
    }

    @Test
    void receFromSecondMomentsEqualsReceOnExplicitRows() {
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("RECE moments"));
        List<PromptEmbedding> concepts = new ArrayList<>(), guides = new ArrayList<>();
        PromptEmbedding guide = embedding(r, " ", 0);
        FloatMatrix template = near(r, guide.rows(), "template", 0, 0.3).rows();
        for (int i = 0; i < 6; i++) { // 462 rows (UCE stage ≥ 444): more than d/2, where factor() switches to the moments
            PromptEmbedding own = i % 4 == 0 ? embedding(r, "own guide " + i, 1) : guide; // the others share " "
            concepts.add(i % 4 == 0 ? near(r, own.rows(), "concept " + i, 1, 0.3) : near(r, template, "concept " + i, 2, 0.03));
            guides.add(own);
        }
        List<PromptEmbedding> retain = List.of(embedding(r, "", 0)), epochRetain = List.of(guide);
        List<LayerWeights> layers = SyntheticProblems.layers(r, SyntheticProblems.SD14_OUT_ROWS, D);
        try (LinalgBackend b = Backends.open("openblas")) {
            double[] gram = ReceEpochs.layerGram(layers, b);
            // control: what one fp32 rounding of the concept rows does to M (every value moved by one ulp)
            List<PromptEmbedding> moved = concepts.stream().map(c -> new PromptEmbedding(c.tokens(),
                    Controls.ulpPerturbed(c.rows(), r))).toList();
            for (Rece.Derivation derivation : Rece.Derivation.values()) {
                Rece s = new Rece(3, 0.1, derivation, Rece.UCE_STAGE, Rece.EPOCH_STAGE, List.of(" "));
                SharedFactor rows = ReceEpochs.factor(concepts, guides, retain, epochRetain, gram, s, true, false, b).factor();
                SharedFactor moments = ReceEpochs.factor(concepts, guides, retain, epochRetain, gram, s, false, false, b).factor();
                SharedFactor control = ReceEpochs.factor(moved, guides, retain, epochRetain, gram, s, true, false, b).factor();
                double e = Dense.relativeError(moments.m(b), rows.m(b)), c = Dense.relativeError(control.m(b), rows.m(b));
                System.out.printf("RECE %s, 462 rows: second moments vs explicit rows %.2e (one-ulp control %.2e)%n", derivation,
                        e, c);
                // float64 throughout: rounding amplified by the conditioning of three epochs, 1e-3 of one fp32 rounding
                assertTrue(e <= 1e-8 && e <= 1e-3 * c, derivation + ": M " + e + " vs control " + c);
            }
            // one concept: every step low-rank, the factors composed (rank 75 + 3 × 77)
            Rece nudity = Rece.Preset.NUDITY.settings();
            SharedFactor one = ReceEpochs.factor(concepts.subList(0, 1), guides.subList(0, 1), retain, epochRetain, gram, nudity,
                    false, b).factor();
            assertNotNull(one.u(), "low-rank");
            int aligned = 77 - concepts.getFirst().tokens().lastWordIndex();
            assertEquals(aligned + 3 * 77, one.k());
            SharedFactor dense = ReceEpochs.factor(concepts.subList(0, 1), guides.subList(0, 1), retain, epochRetain, gram, nudity,
                    false, false, b).factor();
            assertNull(dense.u(), "the moments path is dense");
            SharedFactor oneControl = ReceEpochs.factor(moved.subList(0, 1), guides.subList(0, 1), retain, epochRetain, gram,
                    nudity, false, b).factor();
            double e = Dense.relativeError(one.m(b), dense.m(b)), c = Dense.relativeError(oneControl.m(b), one.m(b));
            System.out.printf("RECE nudity, one concept: low-rank vs moments %.2e (one-ulp control %.2e)%n", e, c);
            assertTrue(e <= 1e-8 && e <= 1e-3 * c, "one concept, low-rank vs moments: " + e + " vs control " + c);
            double[] fromFactors = Dense.identity(D, 1.0);
            b.gemm(false, false, D, D, one.k(), 1.0, one.u(), one.v(), 1.0, fromFactors);
            assertTrue(Dense.relativeError(fromFactors, one.m(b)) <= 1e-10, "I + UV = M");
        }
    }

    @Test
    void dxdMetricsEqualTheLayerByLayerComputation() {
        SplittableRandom r = new SplittableRandom(TestSeeds.seed("d×d metrics"));
        List<LayerWeights> layers = SyntheticProblems.layers(r, SyntheticProblems.SD14_OUT_ROWS, D);
        FloatMatrix c = SyntheticProblems.gaussian(r, 75, D, 1.0), g = SyntheticProblems.gaussian(r, 75, D, 1.0);
        FloatMatrix empty = SyntheticProblems.gaussian(r, 77, D, 1.0);
        try (LinalgBackend b = Backends.open("openblas")) {
            double[] m = new NormalEquationSolver(b).sharedFactor(c, g, empty, 0.5, 1.0, 1.0, new StageTimes());
            double[] gram = ReceEpochs.layerGram(layers, b);
            double residual = EditMetrics.eraseResidual(gram, m, c, g, b), drift = EditMetrics.unconditionalDrift(gram, m, empty, b);
            // the same, layer by layer in float64: Σ_l ‖W_l M c − W_l g‖² / Σ_l ‖W_l (c − g)‖², and per row of "" the ratio
            double num = 0, den = 0;
            double[] rowNum = new double[77], rowDen = new double[77];
            for (LayerWeights l : layers) {
                double[] w = Dense.toDouble(l.w().data()), wm = new double[l.out() * D];
                b.gemm(false, false, l.out(), D, D, 1.0, w, m, 0.0, wm);
                for (int i = 0; i < 75; i++) {
                    for (int o = 0; o < l.out(); o++) {
                        double after = 0, before = 0;
                        for (int j = 0; j < D; j++) {
                            after += wm[o * D + j] * c.get(i, j) - w[o * D + j] * g.get(i, j);
                            before += w[o * D + j] * ((double) c.get(i, j) - g.get(i, j));
                        }
                        num += after * after;
                        den += before * before;
                    }
                }
                for (int i = 0; i < 77; i++) {
                    for (int o = 0; o < l.out(); o++) {
                        double moved = 0, base = 0;
                        for (int j = 0; j < D; j++) {
                            moved += (wm[o * D + j] - w[o * D + j]) * empty.get(i, j);
                            base += w[o * D + j] * empty.get(i, j);
                        }
                        rowNum[i] += moved * moved;
                        rowDen[i] += base * base;
                    }
                }
            }
            double wantResidual = Math.sqrt(num / den), wantDrift = 0;
            for (int i = 0; i < 77; i++) wantDrift = Math.max(wantDrift, Math.sqrt(rowNum[i] / rowDen[i]));
            System.out.printf("d×d metrics: residual %.6g (layer by layer %.6g), drift %.6g (%.6g)%n", residual, wantResidual, drift,
                    wantDrift);
            assertEquals(wantResidual, residual, 1e-9 * wantResidual);
            assertEquals(wantDrift, drift, 1e-9 * wantDrift);
        }
    }
}
