package dev.erasekit.edit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One erase: the method's shared factor M from the prompts' embeddings (docs/methods.md §2–§4), its
 * fold into every layer, and the weight-space metrics. Dispatches on the sealed {@link EraseMethod}
 * (the compiler checks every method is handled). Stateless: every call brings its embeddings and
 * its backend, so calls may run concurrently on different backends.
 */
public final class Erasure {
    private Erasure() {
    }

    /**
     * The embeddings an erase works on.
     *
     * @param concepts the erased prompts
     * @param targets  one guide/anchor per concept
     * @param retain   "" and the preserves (UCE and RECE's first stage)
     * @param preserve the preserves alone (the surgical erase's soft rows; RECE's epochs add them to its retain)
     * @param epochRetain RECE's epoch retain prompts (the method's, then the preserves)
     * @param empty    the "" prompt
     */
    public record Inputs(List<PromptEmbedding> concepts, List<PromptEmbedding> targets, List<PromptEmbedding> retain,
                         List<PromptEmbedding> preserve, List<PromptEmbedding> epochRetain, PromptEmbedding empty) {
    }

    /**
     * An erase's outcome: the factor M (W'_l = W_l·M), the edited layers, the metrics, and how it was solved.
     *
     * @param derived RECE's adversarial embeddings per epoch and concept (rows × d, float64), empty otherwise
     * @param solve   what the edit file records: backend, rows, retained prompts, method-specific facts, metrics,
 *                and each layer's relative change ‖ΔW‖/‖W‖ ("layer_change")
     */
    public record Result(double[] factor, List<LayerWeights> edited, Map<String, Double> metrics, int eraseRows, int preserveRows,
                         List<double[]> derived, Map<String, Object> solve, StageTimes times) {
    }

    /** Runs {@code method} on the base {@code weights}; {@code gram} supplies Σ WᵀW (RECE's epochs and the metrics). */
    public static Result run(EraseMethod method, List<LayerWeights> weights, Inputs in, Supplier<double[]> gram, List<String> retainTexts,
                             List<String> epochRetainTexts, boolean keepDerived, LinalgBackend backend) {
        return run(method, weights, in, gram, retainTexts, epochRetainTexts, keepDerived, true, backend);
    }

    /**
     * {@link #run} with the fold optional: without it (a per-request policy needs only M) the result's
     * {@code edited} is null and the solve info has no per-layer change.
     */
    public static Result run(EraseMethod method, List<LayerWeights> weights, Inputs in, Supplier<double[]> gram, List<String> retainTexts,
                             List<String> epochRetainTexts, boolean keepDerived, boolean fold, LinalgBackend backend) {
        StageTimes times = new StageTimes();
        int d = weights.getFirst().width();
        List<FloatMatrix> erase = new ArrayList<>(), target = new ArrayList<>();
        for (int i = 0; i < in.concepts().size(); i++) {
            TokenAlignment a = TokenAlignment.of(in.concepts().get(i), in.targets().get(i));
            erase.add(a.eraseRows());
            target.add(a.guideRows());
        }
        FloatMatrix eraseRows = FloatMatrix.stack(erase, d), targetRows = FloatMatrix.stack(target, d);
        Map<String, Object> solve = new LinkedHashMap<>();
        solve.put("backend", backend.name());
        SharedFactor factor;
        int preserveRows;
        List<double[]> derived = List.of();
        switch (method) {
            case Uce u -> {
                factor = UceEquations.factor(in.concepts(), in.targets(), in.retain(), u, new NormalEquationSolver(backend), times);
                preserveRows = rows(in.retain());
                solve.put("preserve_scale", u.preserveScaleFor(in.retain().size()));
                solve.put("retain", retainTexts);
            }
            case Rece r -> {
                ReceEpochs.Result res = ReceEpochs.factor(in.concepts(), in.targets(), in.retain(), in.epochRetain(), gram.get(), r,
                        keepDerived, backend);
                times.addAll(res.times());
                factor = res.factor();
                derived = res.epochEmbeddings();
                preserveRows = rows(in.retain());
                solve.put("retain", retainTexts);
                solve.put("epoch_retain", epochRetainTexts);
            }
            case Surgical s -> {
                FloatMatrix soft = in.preserve().isEmpty() ? FloatMatrix.zeros(0, d)
                        : FloatMatrix.stack(in.preserve().stream().map(PromptEmbedding::rows).toList(), d);
                SurgicalFactor.Result res = SurgicalFactor.factor(eraseRows, targetRows, soft, in.empty().rows(), s, backend);
                times.addAll(res.times());
                factor = res.factor();
                preserveRows = soft.rows();
                solve.put("null_rows", in.empty().rows().rows());
                solve.put("free_dimensions", res.freeDimensions());
            }
        }
        List<LayerWeights> edited = fold ? new NormalEquationSolver(backend).fold(weights, factor, times) : null;
        Map<String, Double> metrics = new LinkedHashMap<>();
        times.time("metrics", () -> {
            double[] g = gram.get();
            metrics.put("erase_residual", EditMetrics.eraseResidual(g, factor.m(backend), eraseRows, targetRows, backend));
            metrics.put("unconditional_drift", EditMetrics.unconditionalDrift(g, factor.m(backend), in.empty().rows(), backend));
        });
        metrics.forEach((k, v) -> {
            if (!Double.isFinite(v)) {
                throw new InvalidInputException("the edit's " + k.replace('_', ' ') + " is " + v + ": the settings give a degenerate edit");
            }
        });
        if (edited != null) {
            Map<String, Double> change = new LinkedHashMap<>();
            for (int l = 0; l < weights.size(); l++) {
                change.put(weights.get(l).name(), Dense.relativeError(edited.get(l).w().data(), weights.get(l).w().data()));
            }
            solve.put("layer_change", change);
        }
        solve.put("path", factor.foldLowRank() ? "shared, low-rank fold" : "shared");
        solve.put("rank", factor.u() == null ? in.empty().rows().cols() : factor.k());
        solve.put("erase_rows", eraseRows.rows());
        solve.put("preserve_rows", preserveRows);
        solve.put("metrics", metrics);
        return new Result(factor.m(backend), edited, metrics, eraseRows.rows(), preserveRows, derived, solve, times);
    }

    private static int rows(List<PromptEmbedding> prompts) {
        return prompts.stream().mapToInt(p -> p.rows().rows()).sum();
    }
}
