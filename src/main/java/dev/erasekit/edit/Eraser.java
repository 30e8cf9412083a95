package dev.erasekit.edit;

import dev.erasekit.ErasekitException;
import dev.erasekit.InvalidInputException;
import dev.erasekit.Warnings;
import dev.erasekit.io.CacheFile;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.FloatMatrix;
import dev.erasekit.linalg.LayerWeights;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NormalEquations;
import dev.erasekit.linalg.SolveResult;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The library entry point: loads a model's K/V weights and tokenizer once, then serves any number
 * of edits (UCE, RECE, surgical) and attacks. Thread-safe (work on the linear-algebra backend is
 * serialised); close it to release the text-encoder session and native resources.
 */
public final class Eraser implements AutoCloseable {
    private final StableDiffusionModel model;
    private final List<LayerWeights> weights;
    private final String fingerprint;
    private final TextEmbedder embedder;
    private final LinalgBackend backend;
    private final Path cacheRoot;
    private final Warnings warnings;
    private double[] gram;

    private Eraser(StableDiffusionModel model, TextEmbedder embedder, LinalgBackend backend, Path cacheRoot, Warnings warnings) {
        this.warnings = warnings;
        this.model = model;
        this.weights = model.readWeights();
        this.fingerprint = model.fingerprint();
        this.embedder = embedder;
        this.backend = backend;
        this.cacheRoot = cacheRoot;
    }

    /**
     * @param backend   "auto", "cuda", "openblas" or "java"
     * @param cacheRoot cache folder for embeddings and Σ WᵀW, or null for none
     */
    public static Eraser open(Path modelDir, String backend, Path cacheRoot) {
        return open(modelDir, backend, cacheRoot, Warnings.DEBUG_LOG);
    }

    /** As {@link #open(Path, String, Path)}, reporting recoverable problems (a damaged cache entry) to {@code warnings}. */
    public static Eraser open(Path modelDir, String backend, Path cacheRoot, Warnings warnings) {
        StableDiffusionModel model = StableDiffusionModel.open(modelDir);
        ClipTokenizer tokenizer = ClipTokenizer.load(model.tokenizerDir());
        TextEmbedder embedder = new TextEmbedder(tokenizer, model.textEncoderFile(), model.textWidth(), cacheRoot, warnings);
        return new Eraser(model, embedder, Backends.open(backend), cacheRoot, warnings);
    }

    public StableDiffusionModel model() {
        return model;
    }

    public List<LayerWeights> weights() {
        return weights;
    }

    public String fingerprint() {
        return fingerprint;
    }

    public TextEmbedder embedder() {
        return embedder;
    }

    public LinalgBackend backend() {
        return backend;
    }

    /** The erasure methods. */
    public enum Method { UCE, RECE, SURGICAL }

    /**
     * An erase request. {@code guides} (anchors, for surgical) has one entry for all concepts or one
     * per concept; only the settings of the chosen method are read.
     */
    public record Request(Method method, List<String> concepts, List<String> guides, List<String> preserves,
                          UceSettings uce, ReceSettings rece, SurgicalSettings surgical) {
        public Request {
            // a repeated concept (with the same guide) adds nothing but weight: kept once, first-seen order
            if (guides.size() == concepts.size() && concepts.size() > 1) {
                Map<String, String> pairs = new LinkedHashMap<>();
                for (int i = 0; i < concepts.size(); i++) {
                    String before = pairs.putIfAbsent(concepts.get(i), guides.get(i));
                    if (before != null && !before.equals(guides.get(i))) {
                        throw new InvalidInputException("the concept \"" + concepts.get(i) + "\" is given twice with different"
                                + " guides/anchors (\"" + before + "\", \"" + guides.get(i) + "\")");
                    }
                }
                concepts = List.copyOf(pairs.keySet());
                guides = List.copyOf(pairs.values());
            } else {
                concepts = concepts.stream().distinct().toList();
            }
            if (concepts.isEmpty()) throw new InvalidInputException("no concept to erase");
            for (String c : concepts) {
                if (c == null || c.isBlank()) {
                    throw new InvalidInputException("a concept is empty or only whitespace: erasing it would change nothing");
                }
            }
            if (guides.size() != 1 && guides.size() != concepts.size()) {
                throw new InvalidInputException(concepts.size() + " concepts need 1 or " + concepts.size() + " guides/anchors, got "
                        + guides.size());
            }
            concepts = List.copyOf(concepts);
            guides = List.copyOf(guides);
            preserves = List.copyOf(preserves);
        }

        public static Request uce(List<String> concepts, List<String> guides, List<String> preserves, UceSettings s) {
            return new Request(Method.UCE, concepts, guides, preserves, s, null, null);
        }

        public static Request rece(List<String> concepts, List<String> guides, List<String> preserves, ReceSettings s) {
            return new Request(Method.RECE, concepts, guides, preserves, null, s, null);
        }

        public static Request surgical(List<String> concepts, List<String> anchors, List<String> preserves,
                                       SurgicalSettings s) {
            return new Request(Method.SURGICAL, concepts, anchors, preserves, null, null, s);
        }

        String guide(int i) {
            return guides.size() == 1 ? guides.getFirst() : guides.get(i);
        }
    }

    /**
     * An edit and how it was made. {@code metrics}: "erase_residual" (‖W'C_e − W C_g‖/‖W C_e − W C_g‖
     * over the aligned rows) and "unconditional_drift" (max relative K/V change of the "" prompt's rows).
     */
    public record Outcome(Edit edit, StageTimes times, SolveResult.Path path, int eraseRows, int preserveRows,
                          Map<String, Double> metrics, List<double[]> derivedEmbeddings) {
    }

    public synchronized Outcome erase(Request r) {
        StageTimes times = new StageTimes();
        times.time("tokenize", () -> {
            List<String> all = new ArrayList<>(r.concepts());
            all.addAll(r.guides());
            all.addAll(r.preserves());
            all.forEach(p -> embedder.tokenizer().encode(p));
        });
        List<PromptEmbedding> concepts = embedAll(r.concepts(), times), guides = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            guides.add(embed(r.guide(i), times));
            if (java.util.Arrays.equals(concepts.get(i).tokens().ids(), guides.get(i).tokens().ids())) {
                throw new InvalidInputException("the concept \"" + r.concepts().get(i) + "\" and its " + (r.method() == Method.SURGICAL
                        ? "anchor" : "guide") + " \"" + r.guide(i) + "\" tokenize the same: the edit would change nothing");
            }
        }
        List<String> retainTexts = new ArrayList<>(List.of(""));
        retainTexts.addAll(r.preserves());
        PromptEmbedding empty = embed("", times);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put(r.method() == Method.SURGICAL ? "anchors" : "guides", r.guides());
        List<FloatMatrix> erase = new ArrayList<>(), target = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            TokenAlignment a = TokenAlignment.of(concepts.get(i), guides.get(i));
            erase.add(a.eraseRows());
            target.add(a.guideRows());
        }
        int d = model.textWidth();
        FloatMatrix eraseRows = FloatMatrix.stack(erase, d), targetRows = FloatMatrix.stack(target, d);
        double[] factor;
        int preserveRows;
        List<double[]> derived = List.of();
        switch (r.method()) {
            case UCE -> {
                List<PromptEmbedding> retain = embedAll(retainTexts, times);
                NormalEquations problem = Uce.problem(weights, concepts, guides, retain, r.uce());
                factor = new NormalEquationSolver(backend).sharedFactor(problem, times);
                preserveRows = problem.preserveRows().rows();
                params.put("lambda", r.uce().lambda());
                params.put("erase_scale", r.uce().eraseScale());
                params.put("preserve_scale", problem.preserveScale());
                params.put("retain", retainTexts);
            }
            case RECE -> {
                List<String> epochRetain = new ArrayList<>(r.rece().epochRetain());
                epochRetain.addAll(r.preserves());
                Rece.Result res = Rece.factor(concepts, guides, embedAll(retainTexts, times), embedAll(epochRetain, times),
                        gram(times), r.rece(), backend);
                times.addAll(res.times());
                factor = res.factor();
                derived = res.epochEmbeddings();
                preserveRows = 77 * retainTexts.size();
                params.put("epochs", r.rece().epochs());
                params.put("reg", r.rece().reg());
                params.put("derivation", r.rece().derivation().name().toLowerCase());
                params.put("uce_stage", Map.of("lambda", r.rece().uceStage().lambda(), "erase_scale", r.rece().uceStage().eraseScale(),
                        "preserve_scale", r.rece().uceStage().preserveScaleFor(retainTexts.size())));
                params.put("epoch_stage", Map.of("lambda", r.rece().epochStage().lambda(), "erase_scale",
                        r.rece().epochStage().eraseScale(), "preserve_scale", r.rece().epochStage().preserveScaleFor(epochRetain.size())));
                params.put("retain", retainTexts);
                params.put("epoch_retain", epochRetain);
            }
            case SURGICAL -> {
                List<PromptEmbedding> soft = embedAll(r.preserves(), times);
                FloatMatrix softRows = soft.isEmpty() ? FloatMatrix.zeros(0, d)
                        : FloatMatrix.stack(soft.stream().map(PromptEmbedding::rows).toList(), d);
                Surgical.Result res = Surgical.factor(eraseRows, targetRows, softRows, empty.rows(), r.surgical(), backend);
                times.addAll(res.times());
                factor = res.factor();
                preserveRows = softRows.rows();
                params.put("lambda", r.surgical().lambda());
                params.put("preserve_scale", r.surgical().preserveScale());
                params.put("null_tolerance", r.surgical().nullTolerance());
                params.put("null_rows", 77);
                params.put("free_dimensions", res.freeDimensions());
                params.put("soft_preserve", r.preserves());
            }
            default -> throw new IllegalStateException();
        }
        List<LayerWeights> edited = new NormalEquationSolver(backend).fold(weights, factor, times);
        params.put("backend", backend.name());
        Map<String, Double> metrics = new LinkedHashMap<>();
        times.time("metrics", () -> {
            metrics.put("erase_residual", EditMetrics.eraseResidual(gram(times), factor, eraseRows, targetRows, backend));
            metrics.put("unconditional_drift", EditMetrics.maxRelativeDrift(weights, edited, empty.rows(), backend));
        });
        metrics.forEach((k, v) -> {
            if (!Double.isFinite(v)) {
                throw new InvalidInputException("the edit's " + k.replace('_', ' ') + " is " + v + ": the settings give a degenerate edit");
            }
        });
        params.put("metrics", metrics);
        Edit edit = new Edit(r.method().name().toLowerCase(), params, r.concepts(), fingerprint, edited, Optional.of(factor), d);
        return new Outcome(edit, times, SolveResult.Path.SHARED, eraseRows.rows(), preserveRows, metrics, derived);
    }

    /** G = Σ_l W_lᵀW_l of this base, computed once and cached on disk by the base fingerprint. */
    public synchronized double[] gram(StageTimes times) {
        if (gram != null) return gram;
        int d = model.textWidth();
        Path file = cacheRoot == null ? null : cacheRoot.resolve("gram").resolve(fingerprint + ".safetensors");
        String key = "gram/" + fingerprint;
        if (file != null) {
            switch (CacheFile.readDoubles(file, key, new long[] {d, d})) {
                case CacheFile.Lookup.Hit<double[]> hit -> {
                    return gram = hit.values();
                }
                case CacheFile.Lookup.Bad<double[]> bad -> warnings.warn("ignoring the cache entry " + file + " (" + bad.reason()
                        + "); recomputing Σ WᵀW");
                case CacheFile.Lookup.Miss<double[]> miss -> { }
            }
        }
        gram = times.time("gram", () -> Rece.layerGram(weights, backend));
        if (file != null) {
            try {
                CacheFile.writeDoubles(file, key, new long[] {d, d}, gram);
            } catch (ErasekitException e) {
                warnings.warn("cannot cache Σ WᵀW (" + e.getMessage() + ")");
            }
        }
        return gram;
    }

    public List<PromptEmbedding> embedAll(List<String> prompts, StageTimes times) {
        List<PromptEmbedding> out = new ArrayList<>();
        for (String p : prompts) out.add(embed(p, times));
        return out;
    }

    public PromptEmbedding embed(String prompt, StageTimes times) {
        return times.time("encode", () -> embedder.embed(prompt));
    }

    @Override
    public void close() {
        embedder.close();
        backend.close();
    }
}
