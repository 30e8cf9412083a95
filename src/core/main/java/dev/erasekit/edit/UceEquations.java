package dev.erasekit.edit;

import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NormalEquations;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.linalg.Targets;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import java.util.ArrayList;
import java.util.List;

/**
 * Unified Concept Editing (Gandikota et al. 2024) as normal equations (docs/methods.md §2): each erased
 * prompt's rows map to W·(its guide's aligned rows); the retain prompts ("" plus user preserves,
 * all 77 rows each) keep their K/V; λ keeps W' near W. Targets have the form W·g, so the solver's
 * shared-factor path applies: one d×d factor for every layer.
 * Stateless; thread-safe.
 */
public final class UceEquations {
    private UceEquations() {
    }

    /**
     * @param concepts the erased prompts' embeddings
     * @param guides   one guide per concept (same order)
     * @param retain   the retain prompts' embeddings ("" first, by convention)
     */
    public static NormalEquations problem(List<LayerWeights> layers, List<PromptEmbedding> concepts,
                                          List<PromptEmbedding> guides, List<PromptEmbedding> retain, Uce s) {
        if (concepts.size() != guides.size()) {
            throw new IllegalArgumentException(concepts.size() + " concepts but " + guides.size() + " guides");
        }
        List<FloatMatrix> erase = new ArrayList<>(), guide = new ArrayList<>();
        pairs(concepts, guides, s, erase, guide);
        int d = layers.getFirst().width();
        FloatMatrix preserve = preserved(retain, s, d);
        return NormalEquations.uniform(layers, FloatMatrix.stack(erase, d), new Targets.Guide(FloatMatrix.stack(guide, d)),
                preserve, s.lambda(), s.eraseScale(), s.preserveScaleFor(retain.size()));
    }

    /**
     * UCE's shared factor from the embeddings: the paired rows of every concept and its guide, the
     * retained prompts' 77 rows each.
     */
    public static SharedFactor factor(List<PromptEmbedding> concepts, List<PromptEmbedding> guides, List<PromptEmbedding> retain,
                                      Uce s, NormalEquationSolver solver, StageTimes times) {
        List<FloatMatrix> erase = new ArrayList<>(), guide = new ArrayList<>();
        pairs(concepts, guides, s, erase, guide);
        int d = concepts.getFirst().rows().cols();
        FloatMatrix preserve = preserved(retain, s, d);
        return factor(erase, guide, preserve, s, retain.size(), solver, times);
    }

    /** Each concept's rows and its guide's, paired as {@code s.rows()} says ({@link Uce.Rows}). */
    private static void pairs(List<PromptEmbedding> concepts, List<PromptEmbedding> guides, Uce s, List<FloatMatrix> erase,
                              List<FloatMatrix> guide) {
        for (int i = 0; i < concepts.size(); i++) {
            if (s.rows() == Uce.Rows.Y2025) {
                erase.add(lastWordRow(concepts.get(i)));
                guide.add(lastWordRow(guides.get(i)));
            } else {
                TokenAlignment a = TokenAlignment.of(concepts.get(i), guides.get(i));
                erase.add(a.eraseRows());
                guide.add(a.guideRows());
            }
        }
    }

    /** The retained prompts' rows: all 77 of each (2023), or the last word token's (2025). */
    private static FloatMatrix preserved(List<PromptEmbedding> retain, Uce s, int d) {
        if (retain.isEmpty()) return FloatMatrix.zeros(0, d);
        return FloatMatrix.stack(retain.stream().map(p -> s.rows() == Uce.Rows.Y2025 ? lastWordRow(p) : p.rows()).toList(), d);
    }

    /** The row of a prompt's last word token (its BOS row when it has none). */
    private static FloatMatrix lastWordRow(PromptEmbedding p) {
        int i = p.tokens().lastWordIndex();
        return p.slice(i, i + 1);
    }

    /**
     * UCE's shared factor from paired rows (docs/methods.md §2): low-rank (M = I + UV, k = the rows) while
     * the rows are at most d/2, from second moments otherwise (one d×d system however many rows).
     */
    public static SharedFactor factor(List<FloatMatrix> erase, List<FloatMatrix> guide, FloatMatrix preserve, Uce s,
                                      int retainedPrompts, NormalEquationSolver solver, StageTimes times) {
        int d = erase.getFirst().cols(), k = erase.stream().mapToInt(FloatMatrix::rows).sum();
        double sp = s.preserveScaleFor(retainedPrompts);
        if (2 * k <= d) {
            return solver.lowRankFactor(FloatMatrix.stack(erase, d), FloatMatrix.stack(guide, d), preserve, s.lambda(),
                    s.eraseScale(), sp, times);
        }
        return factor(times.time("build", () -> SecondMoments.of(erase, guide, solver.backend())), preserve, s, retainedPrompts,
                solver, times);
    }

    /** UCE's shared factor from the second moments of its paired rows: one d×d system (docs/methods.md §2). */
    public static SharedFactor factor(SecondMoments mo, FloatMatrix preserve, Uce s, int retainedPrompts, NormalEquationSolver solver,
                                      StageTimes times) {
        int d = preserve.cols();
        double sp = s.preserveScaleFor(retainedPrompts);
        double[] spp = new double[d * d];
        if (preserve.rows() > 0) times.time("build", () -> solver.backend().gramAccumulate(spp, d, preserve.data(), preserve.rows(), 1.0));
        return solver.momentFactor(mo.cc(), mo.gc(), spp, s.lambda(), s.eraseScale(), sp, times);
    }
}
