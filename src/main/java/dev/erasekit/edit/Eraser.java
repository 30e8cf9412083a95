package dev.erasekit.edit;

import dev.erasekit.ErasekitException;
import dev.erasekit.linalg.Backends;
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

/**
 * The library entry point: loads a model's K/V weights and tokenizer once, then serves any number
 * of edits. Thread-safe (edits are serialised on the linear-algebra backend); close it to release
 * the text-encoder session and native resources.
 */
public final class Eraser implements AutoCloseable {
    private final StableDiffusionModel model;
    private final List<LayerWeights> weights;
    private final String fingerprint;
    private final TextEmbedder embedder;
    private final LinalgBackend backend;

    private Eraser(StableDiffusionModel model, TextEmbedder embedder, LinalgBackend backend) {
        this.model = model;
        this.weights = model.readWeights();
        this.fingerprint = model.fingerprint();
        this.embedder = embedder;
        this.backend = backend;
    }

    /**
     * @param backend   "auto", "cuda", "openblas" or "java"
     * @param cacheRoot embedding cache folder, or null for no cache
     */
    public static Eraser open(Path modelDir, String backend, Path cacheRoot) {
        StableDiffusionModel model = StableDiffusionModel.open(modelDir);
        ClipTokenizer tokenizer = ClipTokenizer.load(model.tokenizerDir());
        TextEmbedder embedder = new TextEmbedder(tokenizer, model.textEncoderFile(), cacheRoot);
        LinalgBackend b = Backends.open(backend);
        return new Eraser(model, embedder, b);
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

    /** A UCE request: guides has one entry (used for every concept) or one per concept. */
    public record UceRequest(List<String> concepts, List<String> guides, List<String> preserves, UceSettings settings) {
        public UceRequest {
            if (concepts.isEmpty()) throw new ErasekitException("no concept to erase");
            if (guides.size() != 1 && guides.size() != concepts.size()) {
                throw new ErasekitException(concepts.size() + " concepts need 1 or " + concepts.size() + " guides, got "
                        + guides.size());
            }
        }
    }

    /** An edit and how it was made. */
    public record Outcome(Edit edit, StageTimes times, SolveResult.Path path, int eraseRows, int preserveRows) {
    }

    public Outcome uce(UceRequest r) {
        StageTimes times = new StageTimes();
        times.time("tokenize", () -> {
            List<String> all = new ArrayList<>(r.concepts());
            all.addAll(r.guides());
            all.addAll(r.preserves());
            all.forEach(p -> embedder.tokenizer().encode(p));
        });
        List<PromptEmbedding> concepts = embedAll(r.concepts(), times);
        List<PromptEmbedding> guides = new ArrayList<>();
        for (int i = 0; i < concepts.size(); i++) {
            guides.add(embed(r.guides().size() == 1 ? r.guides().getFirst() : r.guides().get(i), times));
        }
        List<String> retainTexts = new ArrayList<>(List.of(""));
        retainTexts.addAll(r.preserves());
        List<PromptEmbedding> retain = embedAll(retainTexts, times);
        NormalEquations problem = Uce.problem(weights, concepts, guides, retain, r.settings());
        SolveResult result;
        synchronized (backend) {
            result = new NormalEquationSolver(backend).solve(problem);
        }
        times.addAll(result.times());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("lambda", r.settings().lambda());
        params.put("erase_scale", r.settings().eraseScale());
        params.put("preserve_scale", problem.preserveScale());
        params.put("guides", r.guides());
        params.put("retain", retainTexts);
        params.put("backend", backend.name());
        Edit edit = new Edit("uce", params, r.concepts(), fingerprint, result.layers(), result.sharedFactor(),
                model.textWidth());
        return new Outcome(edit, times, result.path(), problem.eraseRows().rows(), problem.preserveRows().rows());
    }

    private List<PromptEmbedding> embedAll(List<String> prompts, StageTimes times) {
        List<PromptEmbedding> out = new ArrayList<>();
        for (String p : prompts) out.add(embed(p, times));
        return out;
    }

    private PromptEmbedding embed(String prompt, StageTimes times) {
        return times.time("encode", () -> embedder.embed(prompt));
    }

    @Override
    public void close() {
        embedder.close();
        backend.close();
    }
}
