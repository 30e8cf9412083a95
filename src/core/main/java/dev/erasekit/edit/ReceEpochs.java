package dev.erasekit.edit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

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
     * The edit's factor (low-rank while the epochs' rows stay few) and, when kept, each epoch's derived
     * embeddings (per epoch, then concept; rows × d float64).
     */
    public record Result(SharedFactor factor, List<double[]> epochEmbeddings, StageTimes times) {
    }

    /**
     * RECE: the UCE stage, then {@code s.epochs()} rounds of deriving c' and erasing it (docs/methods.md §3).
     * Few rows (≤ d/2 in all): every step low-rank, on explicit rows. Many: each epoch from second moments
     * of the concept and guide rows computed once, Σc'c'ᵀ = K·S_cc·Kᵀ and Σgc'ᵀ = S_gc·Kᵀ with
     * K = (λ_r I + MᵀGM)⁻¹MᵀG (standardreg adds its λ_r·H⁻¹g terms): O(d³) per epoch however many concepts.
     *
     * @param concepts     the erased prompts (all 77 rows of each are attacked)
     * @param guides       one guide per concept
     * @param retain       retain prompts of the UCE stage ("" first)
     * @param epochRetain  retain prompts of the epoch edits
     * @param gram         G = Σ W_lᵀW_l of the base
     * @param keepDerived  whether to return the derived embeddings (then the epochs use explicit rows)
     */
    public static Result factor(List<PromptEmbedding> concepts, List<PromptEmbedding> guides, List<PromptEmbedding> retain,
                                List<PromptEmbedding> epochRetain, double[] gram, Rece s, boolean keepDerived, LinalgBackend backend) {
        int d = concepts.getFirst().rows().cols(), rows = concepts.stream().mapToInt(c -> c.rows().rows()).sum();
        return factor(concepts, guides, retain, epochRetain, gram, s, keepDerived || 2 * rows <= d, keepDerived, backend);
    }

    /** {@link #factor} with the epochs' path chosen: explicit rows, or second moments (package-private for the tests). */
    static Result factor(List<PromptEmbedding> concepts, List<PromptEmbedding> guides, List<PromptEmbedding> retain,
                         List<PromptEmbedding> epochRetain, double[] gram, Rece s, boolean explicit, boolean keepDerived,
                         LinalgBackend backend) {
        StageTimes times = new StageTimes();
        NormalEquationSolver solver = new NormalEquationSolver(backend);
        int d = concepts.getFirst().rows().cols();
        List<FloatMatrix> erase = new ArrayList<>(), guide = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            TokenAlignment a = TokenAlignment.of(concepts.get(i), guides.get(i));
            erase.add(a.eraseRows());
            guide.add(a.guideRows());
        }
        SharedFactor m = UceEquations.factor(erase, guide, rows(retain, d), s.uceStage(), retain.size(), solver, times);
        FloatMatrix epochPreserve = rows(epochRetain, d);
        Uce e = s.epochStage();
        double sp = e.preserveScaleFor(epochRetain.size());
        List<FloatMatrix> conceptRows = concepts.stream().map(PromptEmbedding::rows).toList();
        List<FloatMatrix> guideRows = guides.stream().map(PromptEmbedding::rows).toList();
        FloatMatrix allConcepts = FloatMatrix.stack(conceptRows, d), allGuides = FloatMatrix.stack(guideRows, d);
        boolean standard = s.derivation() == Rece.Derivation.STANDARDREG;
        SecondMoments moments = explicit ? null : times.time("moments", () -> SecondMoments.of(conceptRows, guideRows, backend));
        double[] spp = explicit ? null : times.time("moments", () -> gramOf(epochPreserve, backend));
        List<double[]> derived = new ArrayList<>();
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            SharedFactor mCur = m;
            int ep = epoch + 1;
            SharedFactor step;
            if (explicit) {
                double[] cPrime = times.time("derive", () -> guarded(ep, () -> derive(mCur.m(), gram, allConcepts,
                        standard ? allGuides : null, s.reg(), backend)));
                if (keepDerived) {
                    int at = 0;
                    for (FloatMatrix c : conceptRows) {
                        derived.add(Arrays.copyOfRange(cPrime, at * d, (at + c.rows()) * d));
                        at += c.rows();
                    }
                }
                step = solver.lowRankFactor(cPrime, allConcepts.rows(), allGuides, epochPreserve, e.lambda(),
                        e.eraseScale(), sp, times);
            } else {
                double[][] next = times.time("derive", () -> guarded(ep, () -> derivedMoments(mCur.m(), gram, moments, standard,
                        s.reg(), backend)));
                step = solver.momentFactor(next[0], next[1], spp, e.lambda(), e.eraseScale(), sp, times);
            }
            m = times.time("solve", () -> mCur.then(step, backend));
            double change = relativeChange(m.m(), gram, backend);
            if (!(change <= DIVERGED)) {
                throw new InvalidInputException(String.format("RECE diverged at epoch %d of %d: the edit would change the K/V"
                        + " weights by %.3g× their size (a converging RECE stays near 1); use fewer epochs (the references use"
                        + " 1–3) or a larger --reg", ep, s.epochs(), change));
            }
        }
        return new Result(m, derived, times);
    }

    private static <T> T guarded(int epoch, Supplier<T> work) {
        try {
            return work.get();
        } catch (NotPositiveDefiniteException x) {
            throw x.because("RECE epoch " + epoch + ": λ_r I + MᵀGM is singular to working precision, so the edit has"
                    + " diverged (or Σ WᵀW is damaged); use fewer epochs or a larger --reg");
        }
    }

    /**
     * {Σ c'c'ᵀ, Σ g c'ᵀ} for c' = K·c (+ L·g for standardreg), K = H⁻¹MᵀG, L = λ_r H⁻¹, H = λ_r I + MᵀGM, from
     * the moments of (c, g) alone (docs/methods.md §3). In row form C' = C·Kᵀ + G·L, so
     * C'ᵀC' = K S_cc Kᵀ + K S_cg L + L S_gc Kᵀ + L S_gg L and GᵀC' = S_gc Kᵀ + S_gg L.
     */
    static double[][] derivedMoments(double[] m, double[] gram, SecondMoments s, boolean standard, double reg,
                                     LinalgBackend backend) {
        int d = (int) Math.round(Math.sqrt(m.length));
        double[] gm = new double[d * d], h = Dense.identity(d, reg);
        backend.gemm(false, false, d, d, d, 1.0, gram, m, 0.0, gm);        // G·M
        backend.gemm(true, false, d, d, d, 1.0, m, gm, 1.0, h);            // H = λ_r I + MᵀGM
        double[] kt = gm.clone();
        backend.solveRightSpd(h, d, kt, d);                                // Kᵀ = G·M·H⁻¹
        double[] tmp = new double[d * d], cc = new double[d * d], gc = new double[d * d];
        backend.gemm(false, false, d, d, d, 1.0, s.cc(), kt, 0.0, tmp);    // S_cc·Kᵀ
        backend.gemm(true, false, d, d, d, 1.0, kt, tmp, 0.0, cc);         // K·S_cc·Kᵀ
        backend.gemm(false, false, d, d, d, 1.0, s.gc(), kt, 0.0, gc);     // S_gc·Kᵀ
        if (standard) {
            double[] l = Dense.identity(d, reg);
            backend.solveRightSpd(h, d, l, d);                             // L = λ_r H⁻¹ (symmetric)
            double[] lsgc = new double[d * d], lsgg = new double[d * d];
            backend.gemm(false, false, d, d, d, 1.0, l, s.gc(), 0.0, lsgc); // L·S_gc
            backend.gemm(false, false, d, d, d, 1.0, lsgc, kt, 1.0, cc);    // + L·S_gc·Kᵀ
            backend.gemm(true, true, d, d, d, 1.0, kt, lsgc, 1.0, cc);      // + K·S_cg·L = (L·S_gc·Kᵀ)ᵀ
            backend.gemm(false, false, d, d, d, 1.0, l, s.gg(), 0.0, lsgg); // L·S_gg
            backend.gemm(false, false, d, d, d, 1.0, lsgg, l, 1.0, cc);     // + L·S_gg·L
            backend.gemm(false, false, d, d, d, 1.0, s.gg(), l, 1.0, gc);   // + S_gg·L
        }
        return new double[][] {cc, gc};
    }

    private static FloatMatrix rows(List<PromptEmbedding> prompts, int d) {
        return prompts.isEmpty() ? FloatMatrix.zeros(0, d) : FloatMatrix.stack(prompts.stream().map(PromptEmbedding::rows).toList(), d);
    }

    private static double[] gramOf(FloatMatrix rows, LinalgBackend backend) {
        int d = rows.cols();
        double[] g = new double[d * d];
        if (rows.rows() > 0) backend.gramAccumulate(g, d, rows.data(), rows.rows(), 1.0);
        return g;
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
