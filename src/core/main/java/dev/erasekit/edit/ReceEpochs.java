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
 * Stateless; thread-safe.
 */
public final class ReceEpochs {
    private ReceEpochs() {
    }

    /** ‖ΔW‖/‖W‖ over all layers above which an epoch counts as diverged (RECE's own edits stay near 1). */
    static final double DIVERGED = 10;

    /**
     * ‖W(M − I)‖_F / ‖W‖_F over all layers together, from G alone: Σ_l ‖W_l D‖² = tr(DᵀGD), Σ_l ‖W_l‖² = tr(G);
     * for M = I + UV, tr(DᵀGD) = tr((UᵀGU)(VVᵀ)) at O(dk²) given {@code gu} = G·U ({@link #gramTimesU}; null: dense).
     */
    static double relativeChange(SharedFactor m, double[] gu, double[] gram, LinalgBackend backend) {
        int d = m.d();
        double num = 0, den = 0;
        for (int i = 0; i < d; i++) den += gram[i * d + i];
        if (gu != null) {
            int k = m.k();
            double[] ugu = new double[k * k], vvt = new double[k * k];
            backend.gemm(true, false, k, k, d, 1.0, m.u(), gu, 0.0, ugu);     // UᵀGU
            backend.gemm(false, true, k, k, d, 1.0, m.v(), m.v(), 0.0, vvt);  // VVᵀ
            for (int i = 0; i < ugu.length; i++) num += ugu[i] * vvt[i];      // both symmetric: tr(AB) = Σ A∘B
        } else {
            double[] diff = m.m(backend).clone(), gd = new double[d * d];
            for (int i = 0; i < d; i++) diff[i * d + i] -= 1;
            backend.gemm(false, false, d, d, d, 1.0, gram, diff, 0.0, gd);
            for (int i = 0; i < diff.length; i++) num += diff[i] * gd[i];
        }
        return Math.sqrt(Math.max(0, num) / den);
    }

    /** G·U (d×k) when M = I + UV is low-rank enough for the products above to use it (k < d/2), else null. */
    static double[] gramTimesU(SharedFactor m, double[] gram, LinalgBackend backend) {
        int d = m.d(), k = m.k();
        if (m.u() == null || 2 * k >= d) return null;
        double[] gu = new double[d * k];
        backend.gemm(false, false, d, k, d, 1.0, gram, m.u(), 0.0, gu);
        return gu;
    }

    /**
     * G·M and H = λ_r I + MᵀGM (with {@code gu} = G·U from {@link #gramTimesU}, or null for a dense M), what every derivation needs: for M = I + UV (k < d/2) as GM = G + (GU)V and
     * MᵀGM = GM + Vᵀ(UᵀGM), 4d²k flop instead of 2d³.
     */
    static double[][] gmAndH(SharedFactor m, double[] gu, double[] gram, double reg, LinalgBackend backend) {
        int d = m.d();
        double[] gm, h = Dense.identity(d, reg);
        if (gu != null) {
            int k = m.k();
            double[] ugm = new double[k * d];
            gm = gram.clone();
            backend.gemm(false, false, d, d, k, 1.0, gu, m.v(), 1.0, gm);     // G·M = G + (GU)·V
            backend.gemm(true, false, k, d, d, 1.0, m.u(), gm, 0.0, ugm);     // Uᵀ·GM
            for (int i = 0; i < h.length; i++) h[i] += gm[i];
            backend.gemm(true, false, d, d, k, 1.0, m.v(), ugm, 1.0, h);      // λ_r I + GM + Vᵀ(UᵀGM)
        } else {
            double[] mm = m.m(backend);
            gm = new double[d * d];
            backend.gemm(false, false, d, d, d, 1.0, gram, mm, 0.0, gm);      // G·M
            backend.gemm(true, false, d, d, d, 1.0, mm, gm, 1.0, h);          // H = λ_r I + MᵀGM
        }
        return new double[][] {gm, h};
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
        int aligned = erase.stream().mapToInt(FloatMatrix::rows).sum();
        // many rows: the UCE stage from moments, whose S_cc the epochs reuse (adding the rows alignment left out)
        SecondMoments uceMoments = explicit || 2 * aligned <= d ? null
                : times.time("build", () -> SecondMoments.of(erase, guide, backend));
        SharedFactor first = uceMoments == null
                ? UceEquations.factor(erase, guide, rows(retain, d), s.uceStage(), retain.size(), solver, times)
                : UceEquations.factor(uceMoments, rows(retain, d), s.uceStage(), retain.size(), solver, times), m = first;
        FloatMatrix epochPreserve = rows(epochRetain, d);
        Uce e = s.epochStage();
        double sp = e.preserveScaleFor(epochRetain.size());
        List<FloatMatrix> conceptRows = concepts.stream().map(PromptEmbedding::rows).toList();
        List<FloatMatrix> guideRows = guides.stream().map(PromptEmbedding::rows).toList();
        FloatMatrix allConcepts = explicit ? FloatMatrix.stack(conceptRows, d) : null;
        FloatMatrix allGuides = explicit ? FloatMatrix.stack(guideRows, d) : null;
        boolean standard = s.derivation() == Rece.Derivation.STANDARDREG;
        SecondMoments moments = explicit ? null : times.time("moments", () -> uceMoments == null
                ? SecondMoments.of(conceptRows, guideRows, backend)
                : SecondMoments.of(allRowsGram(uceMoments.cc(), concepts, guides, backend), conceptRows, guideRows, backend));
        double[] spp = explicit ? null : times.time("moments", () -> gramOf(epochPreserve, backend));
        List<double[]> derived = new ArrayList<>();
        double[] gu = times.time("derive", () -> gramTimesU(first, gram, backend)); // shared by a check and the next epoch
        for (int epoch = 0; epoch < s.epochs(); epoch++) {
            SharedFactor mCur = m;
            double[] guCur = gu;
            int ep = epoch + 1;
            SharedFactor step;
            if (explicit) {
                double[] cPrime = times.time("derive", () -> guarded(ep, () -> derive(mCur, guCur, gram, allConcepts,
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
                double[][] next = times.time("derive", () -> guarded(ep, () -> derivedMoments(mCur, guCur, gram, moments, standard,
                        s.reg(), backend)));
                step = solver.momentFactor(next[0], next[1], spp, e.lambda(), e.eraseScale(), sp, times);
            }
            m = times.time("solve", () -> mCur.then(step, backend));
            SharedFactor mNext = m;
            gu = times.time("derive", () -> gramTimesU(mNext, gram, backend));
            double[] guNext = gu;
            double change = times.time("check", () -> relativeChange(mNext, guNext, gram, backend));
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
    static double[][] derivedMoments(SharedFactor m, double[] gu, double[] gram, SecondMoments s, boolean standard, double reg,
                                     LinalgBackend backend) {
        int d = m.d();
        double[][] gmh = gmAndH(m, gu, gram, reg, backend);
        double[] h = gmh[1], kt = gmh[0];
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

    /**
     * S_cc over all rows of every concept, from the UCE stage's S_cc over its aligned rows: plus the Gram of
     * the rows alignment left out (the first and last few of each prompt), added, never subtracted.
     */
    private static double[] allRowsGram(double[] alignedGram, List<PromptEmbedding> concepts, List<PromptEmbedding> guides,
                                        LinalgBackend backend) {
        int d = concepts.getFirst().rows().cols();
        List<FloatMatrix> rest = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            PromptEmbedding c = concepts.get(i);
            int n = c.rows().rows(), ee = c.tokens().lastWordIndex();
            int end = n - (Math.max(ee, guides.get(i).tokens().lastWordIndex()) - ee); // TokenAlignment's erase range [ee, end)
            if (ee > 0) rest.add(c.slice(0, ee));
            if (end < n) rest.add(c.slice(end, n));
        }
        double[] cc = alignedGram.clone();
        if (!rest.isEmpty()) backend.gramAccumulate(cc, d, FloatMatrix.stack(rest, d).data(), rest.stream().mapToInt(FloatMatrix::rows).sum(), 1.0);
        return cc;
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
    public static double[] derive(SharedFactor m, double[] gu, double[] gram, FloatMatrix concept, FloatMatrix guide, double reg,
                                  LinalgBackend backend) {
        int d = concept.cols(), n = concept.rows();
        double[][] gmh = gmAndH(m, gu, gram, reg, backend);
        double[] gm = gmh[0], h = gmh[1], rhs = new double[n * d];
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
