package dev.erasekit.edit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import java.util.ArrayList;
import java.util.List;

/**
 * RECE (Gong et al., ECCV 2024) in d×d algebra (docs/methods.md §3). Every edit keeps the form
 * W'_l = W_l·M, so with G = Σ_l W_lᵀW_l (once per base model):
 * <pre>
 *   Σ_l W'_lᵀW'_l = MᵀGM,   Σ_l W'_lᵀW_l = MᵀG
 *   c' = (λ_r I + MᵀGM)⁻¹ (MᵀG c [+ λ_r g])        per token row, all 77 rows of the concept
 *   M ← M · M_epoch,  M_epoch = UCE factor mapping c'_t → g_t (targets and regulariser: the current weights)
 * </pre>
 * Each epoch costs O(d³ + n·d²) for n concept rows (one factorisation serves every concept),
 * independent of the number and size of the layers.
 */
public final class ReceEpochs {
    private ReceEpochs() {
    }

    /** The UCE stage's factor, each epoch's factor and derived embeddings, and the final M. */
    public record Result(double[] factor, List<double[]> epochEmbeddings, StageTimes times) {
    }

    /** ‖ΔW‖/‖W‖ over all layers above which an epoch counts as diverged (RECE's own edits stay near 1). */
    static final double DIVERGED = 10;

    /**
     * ‖W(M − I)‖_F / ‖W‖_F over all layers together, from G alone: Σ_l ‖W_l D‖² = tr(DᵀGD), Σ_l ‖W_l‖² = tr(G).
     */
    static double relativeChange(double[] m, double[] gram, LinalgBackend backend) {
        int d = (int) Math.round(Math.sqrt(m.length));
        double[] diff = m.clone(), gd = new double[m.length];
        for (int i = 0; i < d; i++) diff[i * d + i] -= 1;
        backend.gemm(false, false, d, d, d, 1.0, gram, diff, 0.0, gd);
        double num = 0, den = 0;
        for (int i = 0; i < diff.length; i++) num += diff[i] * gd[i];
        for (int i = 0; i < d; i++) den += gram[i * d + i];
        return Math.sqrt(Math.max(0, num) / den);
    }

    /** G = Σ_l W_lᵀ W_l (d×d, float64). */
    public static double[] layerGram(List<LayerWeights> layers, LinalgBackend backend) {
        int d = layers.getFirst().width();
        double[] g = new double[d * d];
        for (LayerWeights l : layers) backend.gramAccumulate(g, d, l.w().data(), l.out(), 1.0);
        return g;
    }

    /**
     * @param concepts     the erased prompts (all 77 rows of each are attacked)
     * @param guides       one guide per concept
     * @param retain       retain prompts of the UCE stage ("" first)
     * @param epochRetain  retain prompts of the epoch edits
     * @param gram         G = Σ W_lᵀW_l of the base
     */
    public static Result factor(List<PromptEmbedding> concepts, List<PromptEmbedding> guides, List<PromptEmbedding> retain,
                                List<PromptEmbedding> epochRetain, double[] gram, Rece s, LinalgBackend backend) {
        StageTimes times = new StageTimes();
        NormalEquationSolver solver = new NormalEquationSolver(backend);
        int d = concepts.getFirst().rows().cols();
        List<FloatMatrix> erase = new ArrayList<>(), guide = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            TokenAlignment a = TokenAlignment.of(concepts.get(i), guides.get(i));
            erase.add(a.eraseRows());
            guide.add(a.guideRows());
        }
        FloatMatrix preserve = FloatMatrix.stack(retain.stream().map(PromptEmbedding::rows).toList(), d);
        Uce u = s.uceStage();
        double[] m = solver.sharedFactor(FloatMatrix.stack(erase, d), FloatMatrix.stack(guide, d), preserve, u.lambda(),
                u.eraseScale(), u.preserveScaleFor(retain.size()), times);
        FloatMatrix epochPreserve = FloatMatrix.stack(epochRetain.stream().map(PromptEmbedding::rows).toList(), d);
        FloatMatrix allGuides = FloatMatrix.stack(guides.stream().map(PromptEmbedding::rows).toList(), d);
        List<double[]> derived = new ArrayList<>();
        FloatMatrix conceptRows = FloatMatrix.stack(concepts.stream().map(PromptEmbedding::rows).toList(), d);
        FloatMatrix pull = s.derivation() == Rece.Derivation.STANDARDREG ? allGuides : null;
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            double[] mCur = m;
            // all concepts' rows at once: one d×d system per epoch
            int ep = epoch + 1;
            double[] cPrime = times.time("derive", () -> {
                try {
                    return derive(mCur, gram, conceptRows, pull, s.reg(), backend);
                } catch (NotPositiveDefiniteException x) {
                    throw x.because("RECE epoch " + ep + ": λ_r I + MᵀGM is singular to working precision, so the edit has"
                            + " diverged (or Σ WᵀW is damaged); use fewer epochs or a larger --reg");
                }
            });
            int rows = 0;
            for (PromptEmbedding c : concepts) {
                int n = c.rows().rows();
                derived.add(java.util.Arrays.copyOfRange(cPrime, rows * d, (rows + n) * d));
                rows += n;
            }
            Uce e = s.epochStage();
            double[] step = solver.sharedFactor(toFloat(cPrime, conceptRows.rows(), d), allGuides, epochPreserve, e.lambda(),
                    e.eraseScale(), e.preserveScaleFor(epochRetain.size()), times);
            double[] next = new double[d * d];
            times.time("solve", () -> backend.gemm(false, false, d, d, d, 1.0, mCur, step, 0.0, next));
            m = next;
            double change = relativeChange(m, gram, backend);
            if (!(change <= DIVERGED)) {
                throw new InvalidInputException(String.format("RECE diverged at epoch %d of %d: the edit would change the K/V"
                        + " weights by %.3g× their size (a converging RECE stays near 1); use fewer epochs (the references use"
                        + " 1–3) or a larger --reg", ep, s.epochs(), change));
            }
        }
        return new Result(m, derived, times);
    }

    /**
     * c' for every row of {@code concept} (n×d, any number of prompts stacked): rows of (C·G·M [+ λ_r·Gd]) · (λ_r I + MᵀGM)⁻¹, the
     * row form of c'_t = (λ_r I + MᵀGM)⁻¹ (MᵀG c_t [+ λ_r g_t]) (H is symmetric).
     */
    public static double[] derive(double[] m, double[] gram, FloatMatrix concept, FloatMatrix guide, double reg,
                                  LinalgBackend backend) {
        int d = concept.cols(), n = concept.rows();
        double[] gm = new double[d * d], h = Dense.identity(d, reg), rhs = new double[n * d];
        backend.gemm(false, false, d, d, d, 1.0, gram, m, 0.0, gm);        // G·M
        backend.gemm(true, false, d, d, d, 1.0, m, gm, 1.0, h);            // λ_r I + MᵀGM
        backend.gemm(false, false, n, d, d, 1.0, Dense.toDouble(concept.data()), gm, 0.0, rhs); // rows cᵀGM = (MᵀGc)ᵀ
        if (guide != null) for (int i = 0; i < rhs.length; i++) rhs[i] += reg * guide.data()[i];
        backend.solveRightSpd(h, d, rhs, n);
        return rhs;
    }

    static FloatMatrix toFloat(double[] v, int rows, int cols) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return new FloatMatrix(rows, cols, f);
    }
}
