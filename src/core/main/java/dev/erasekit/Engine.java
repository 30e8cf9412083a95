package dev.erasekit;

import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.edit.Erasure;
import dev.erasekit.edit.PooledMap;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.error.WrongBaseException;
import dev.erasekit.linalg.BackendPool;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.EditedModelWriter;
import dev.erasekit.model.PooledProjection;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import dev.erasekit.tensor.FloatMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

/**
 * erasekit as a library: one object that opens a Stable Diffusion ONNX export once — its tokenizer,
 * text encoder, cross-attention K/V weights and fingerprint, a pool of linear-algebra backends, and
 * (on first use) the UNet and VAE decoder sessions — and serves erase and generate requests alike.
 * <pre>{@code
 * try (Engine engine = Engine.open(Path.of("models/tiny-shapes"))) {
 *     Edit edit = engine.erase(EraseRequest.builder().concept("red").target("blue").build()).edit();
 *     engine.generate(GenerateRequest.builder("a red circle").seed(3).steps(20).edit(edit).build()).writePng(Path.of("x.png"));
 * }
 * }</pre>
 * <p><b>Thread-safety:</b> thread-safe. Erases from different threads run at once, each on its own
 * backend instance from a pool of {@link EngineOptions#eraseConcurrency()} (a burst waits for a free
 * one); generations share the sessions (ONNX Runtime sessions run concurrently). The base weights are
 * never handed out. {@link #close()} is idempotent; any other call after it throws
 * {@link IllegalStateException}.
 */
public final class Engine implements AutoCloseable {
    private final EngineOptions options;
    private final StableDiffusionModel model;
    /** The base's K/V weights and fingerprint, read on a background thread from {@link #open} on (joined at first use). */
    private final CompletableFuture<BaseWeights> base;
    private final TextEmbedder embedder;
    private final BackendPool backends;
    private final Sessions sessions;
    private final Generation generation;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile float[] pooledWeight;

    private Engine(EngineOptions options, StableDiffusionModel model, TextEmbedder embedder, BackendPool backends,
                   CompletableFuture<BaseWeights> base) {
        this.options = options;
        this.model = model;
        this.embedder = embedder;
        this.backends = backends;
        this.base = base;
        this.sessions = new Sessions(model, options);
        this.generation = new Generation(model, embedder, sessions, options, this::base);
    }

    private BaseWeights base() {
        return BaseWeights.join(base);
    }

    /**
     * Opens a model folder with the default options.
     *
     * @param modelDir the model folder
     * @return the open engine
     */
    public static Engine open(Path modelDir) {
        return open(modelDir, EngineOptions.defaults());
    }

    /**
     * Opens a model folder (optimum or CompVis ONNX layout): reads its configs, finds its K/V layers,
     * loads the tokenizer and starts reading the weights (on a background thread: a damaged weight file
     * fails the first call that needs them); the ONNX Runtime sessions open when first needed.
     *
     * @param modelDir the model folder
     * @param options  how to run
     * @return the open engine
     */
    public static Engine open(Path modelDir, EngineOptions options) {
        // ONNX Runtime's preparation (on a first run, its native libraries unpacked into the cache: 0.2-0.4 s)
        // overlaps with reading the model; the first session waits for it
        Thread.ofPlatform().daemon().name("erasekit-prepare-onnxruntime").start(dev.erasekit.ort.OrtRuntime::prepare);
        StableDiffusionModel model = StableDiffusionModel.open(modelDir);
        BackendPool backends = new BackendPool(options.backend().id(), options.eraseConcurrency());
        TextEmbedder embedder = null;
        try {
            CompletableFuture<BaseWeights> base = BaseWeights.load(model, options);
            embedder = dev.erasekit.diffusion.ModelText.embedder(model, options.cacheDir().orElse(null), options.warnings(),
                    () -> Sessions.options(options, SessionOptionsFactory.Stage.TEXT_ENCODER));
            return new Engine(options, model, embedder, backends, base);
        } catch (RuntimeException e) {
            try (BackendPool b = backends; TextEmbedder t = embedder) {
                // closed by try-with-resources, the first failure kept
            } catch (RuntimeException x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    /**
     * The model: folder, fingerprint, width, layers, native size.
     *
     * @return the model's facts
     */
    public ModelInfo model() {
        requireOpen();
        int size = model.unetConfig().sampleSize() > 0 ? Txt2Img.defaultSize(model) : 0;
        return new ModelInfo(model.dir(), base().fingerprint(), model.textWidth(), model.layers().stream().map(CrossAttentionLayer::diffusersName)
                .toList(), size);
    }

    /**
     * The name of the backend erases run on ("openblas", …; what {@link Backend#AUTO} chose).
     *
     * @return the backend's name
     */
    public String backendName() {
        return backends.name();
    }

    /**
     * Erases the request's concepts in closed form (docs/methods.md §2–§4) and returns the edit, folded
     * into new weights (the base's stay as they were). Refuses a no-op (a concept that tokenizes like its
     * target), a diverging RECE, and settings that leave the system singular, with one clear line each.
     *
     * @param r the request
     * @return the edit and how it was made
     */
    public EraseResult erase(EraseRequest r) {
        requireOpen();
        Erased e = run(r, true);
        Map<String, String> compvis = new LinkedHashMap<>();
        for (CrossAttentionLayer l : model.layers()) compvis.put(l.diffusersName(), l.compvisName());
        Edit edit = new Edit(r.method().name(), r.method(), r.concepts(), r.targets(), r.preserves(), e.fingerprint(), model.textWidth(),
                e.result().edited(), e.result().factor(), compvis, e.result().solve());
        if (e.pooled() != null) edit = edit.withPooledFactor(e.pooled());
        return new EraseResult(edit, e.times().millis(), e.result().eraseRows(), e.result().preserveRows(), e.result().derived(),
                e.encoded());
    }

    /**
     * A per-request policy (docs/methods.md §5): the erase of {@code r} as its factor M alone, with its
     * metrics, without folding new weights — for {@link GenerateRequest.Builder#policy}, applied to that
     * request's embeddings with the UNet untouched. Same refusals as {@link #erase}.
     *
     * @param id the policy's id (1–64 of a–z, 0–9 and '-')
     * @param r  the request
     * @return the policy
     */
    public Policy policy(String id, EraseRequest r) {
        requireOpen();
        if (r.pooled() == PooledPath.EDIT && model.pooledProjection().isPresent()) {
            throw new InvalidInputException("a policy maps the token rows only; erase with the pooled path edited makes an edit,"
                    + " not a policy");
        }
        Erased e = run(r, false);
        return Policy.of(id, r.method(), r, e.fingerprint(), model.textWidth(), e.result().factor(), e.result().metrics(),
                e.times().millis());
    }

    /** @param pooled the pooled-path map M_p, or null when the path is left (or the model has none) */
    private record Erased(Erasure.Result result, String fingerprint, StageTimes times, int encoded, double[] pooled) {
    }

    private Erased run(EraseRequest r, boolean fold) {
        StageTimes times = new StageTimes();
        int encodedBefore = embedder.encodedCount();
        List<String> retainTexts = new ArrayList<>(List.of(""));
        retainTexts.addAll(r.preserves());
        List<String> epochRetainTexts = new ArrayList<>(r.method() instanceof Rece rece ? rece.epochRetain() : List.of());
        epochRetainTexts.addAll(r.preserves());
        List<String> all = new ArrayList<>(r.concepts());
        for (int i = 0; i < r.concepts().size(); i++) all.add(r.target(i));
        all.addAll(retainTexts);
        all.addAll(epochRetainTexts);
        prefetchGram(times);
        List<PromptEmbedding> e = times.time("encode", () -> embedder.embedAll(all));
        if (options.retention() == SessionRetention.RELEASE) embedder.releaseEncoder();
        int n = r.concepts().size();
        List<PromptEmbedding> concepts = e.subList(0, n), targets = e.subList(n, 2 * n);
        List<PromptEmbedding> retain = e.subList(2 * n, 2 * n + retainTexts.size());
        List<PromptEmbedding> epochRetain = e.subList(2 * n + retainTexts.size(), e.size());
        for (int i = 0; i < n; i++) {
            if (Arrays.equals(concepts.get(i).tokens().ids(), targets.get(i).tokens().ids())) {
                throw new InvalidInputException("the concept \"" + r.concepts().get(i) + "\" and its " + single(r.method())
                        + " \"" + r.target(i) + "\" tokenize the same: the edit would change nothing");
            }
        }
        Erasure.Inputs in = new Erasure.Inputs(concepts, targets, retain, retain.subList(1, retain.size()), epochRetain,
                retain.getFirst());
        BaseWeights w = base();
        Erasure.Result res = backends.with(b -> Erasure.run(r.method(), w.weights(), in, () -> w.gram().get(b, times), retainTexts,
                epochRetainTexts, r.keepDerived(), fold, b));
        times.addAll(res.times());
        double[] pooled = model.pooledProjection().isEmpty() ? null : times.time("pooled", () -> pooledPath(r, in, res));
        return new Erased(res, w.fingerprint(), times, embedder.encodedCount() - encodedBefore, pooled);
    }

    /**
     * Starts Σ WᵀW (every method's metrics need it; cached per base after the first) on a daemon thread, so a
     * first erase computes it while the text encoder's session opens instead of after it; the erase joins it
     * when it needs it (a failure here is left for that call to meet again).
     */
    private void prefetchGram(StageTimes times) {
        if (base.isDone() && !base.isCompletedExceptionally() && base.join().gram().inMemory()) return; // every erase after the first
        base.thenAcceptAsync(w -> backends.with(b -> w.gram().get(b, times)),
                r -> Thread.ofPlatform().daemon().name("erasekit-gram").start(r));
    }

    /**
     * SDXL's pooled path (docs/methods.md §9): M_p when the request edits it, else null; either way its residual,
     * ‖W₁ᵗ(M_p·e − t)‖/‖W₁ᵗ(e − t)‖ (1: the concept arrives through text_embeds unchanged), into the metrics.
     */
    private double[] pooledPath(EraseRequest r, Erasure.Inputs in, Erasure.Result res) {
        List<float[]> erase = in.concepts().stream().map(PromptEmbedding::pooled).toList(),
                targets = in.targets().stream().map(PromptEmbedding::pooled).toList();
        double[] m = null;
        if (r.pooled() == PooledPath.EDIT) {
            boolean surgical = r.method() instanceof Surgical;
            double lambda = switch (r.method()) {
                case Uce u -> u.lambda();
                case Rece x -> x.uceStage().lambda();
                case Surgical s -> s.lambda();
            };
            List<PromptEmbedding> keep = surgical ? in.preserve() : in.retain();
            m = PooledMap.solve(erase, targets, keep.stream().map(PromptEmbedding::pooled).toList(), surgical ? in.empty().pooled() : null,
                    lambda);
        }
        PooledProjection p = model.pooledProjection().orElseThrow();
        res.metrics().put("pooled_residual", PooledMap.residual(pooledWeight(), p.in(), m, erase, targets));
        return m;
    }

    private float[] pooledWeight() {
        float[] w = pooledWeight;
        if (w == null) pooledWeight = w = model.readPooledWeight(); // read once; racing readers read the same values
        return w;
    }

    private static String single(EraseMethod m) {
        return m.targetsName().equals("anchors") ? "anchor" : "guide";
    }

    /**
     * Generates one image; {@code progress} (may be null) hears the number of UNet calls done.
     *
     * @param r        the request
     * @param progress called with the UNet calls done, or null
     * @return the image
     */
    public GeneratedImage generate(GenerateRequest r, IntConsumer progress) {
        requireOpen();
        requireOnnxWeights("generate");
        return generation.generate(r, progress);
    }

    /**
     * {@link #generate(GenerateRequest, IntConsumer)} without progress.
     *
     * @param r the request
     * @return the image
     */
    public GeneratedImage generate(GenerateRequest r) {
        return generate(r, null);
    }

    /**
     * Several images in one UNet call per step, each request with its own policies (docs/methods.md §5):
     * one unedited UNet serves them all, and each image equals the request generated alone up to the
     * UNet's batch-size rounding (≤ 1e-4). The requests must share size, steps and sampler, and none may
     * carry a weights-mode edit.
     *
     * @param rs       the requests
     * @param progress called with the UNet calls done, or null
     * @return the images, in order
     */
    public List<GeneratedImage> generateBatch(List<GenerateRequest> rs, IntConsumer progress) {
        requireOpen();
        requireOnnxWeights("generate");
        return generation.generateBatch(rs, progress);
    }

    /**
     * Refuses, without generating, a request this model cannot serve: an edit or policy for another base,
     * a size the VAE factor does not divide or the machine cannot hold, more steps than training
     * timesteps, guidance out of range, initial latents of the wrong size.
     *
     * @param r the request
     */
    public void check(GenerateRequest r) {
        requireOpen();
        requireOnnxWeights("generate");
        generation.checked(r);
    }

    /**
     * UNet calls one image of this request takes (PNDM adds one to the steps).
     *
     * @param r the request
     * @return the number of UNet calls
     */
    public int unetCalls(GenerateRequest r) {
        requireOpen();
        return generation.calls(r);
    }

    /**
     * Writes the base model with {@code edit}'s weights to a new folder {@code out} that ONNX Runtime
     * opens like the original (README, "apply"); refuses an edit for another base, and an output inside
     * the model.
     *
     * @param edit the edit
     * @param out  the folder to create
     */
    public void apply(Edit edit, Path out) {
        requireOpen();
        base(); // the fingerprint the writer checks the edit against
        requireOnnxWeights("apply an edit to the ONNX model");
        EditedModelWriter.write(model, edit.overrides(), out);
    }

    /**
     * Writes {@code edit} in another tool's format (README, "Loading an edit elsewhere"), atomically: the
     * delta formats get the exact factors of ΔW_l = W_l·(M − I) from this engine's base weights, and with
     * a rank below the exact one, the report gives the K/V error on the concepts' rows and on the rows of
     * "" and the preserves (encoded here). Refuses an edit for another base.
     *
     * @param edit    the edit
     * @param options format, rank and padding
     * @param out     the file to write
     * @return what was written
     */
    public ExportReport export(Edit edit, ExportOptions options, Path out) {
        requireOpen();
        BaseWeights w = base();
        if (!w.fingerprint().equals(edit.baseFingerprint())) {
            throw new WrongBaseException("the edit was made for the base model " + edit.baseFingerprint() + ", but " + model.dir()
                    + " is " + w.fingerprint() + "; refusing to export it against this base");
        }
        float[] erase = null, keep = null;
        if (options.format().delta() && options.rank() > 0) {
            List<String> kept = new ArrayList<>(List.of(""));
            kept.addAll(edit.preserves());
            erase = rows(embedder.embedAll(edit.concepts()));
            keep = rows(embedder.embedAll(kept));
        }
        float[] e = erase, k = keep;
        return backends.with(b -> Exporter.export(edit, w.weights(), options, out, b, e, k));
    }

    private float[] rows(List<PromptEmbedding> prompts) {
        return FloatMatrix.stack(prompts.stream().map(PromptEmbedding::rows).toList(), model.textWidth()).data();
    }

    /** An engine on a checkpoint's weights edits those: the ONNX UNet holds other weights. */
    private void requireOnnxWeights(String what) {
        options.checkpoint().ifPresent(c -> {
            throw new InvalidInputException("this engine erases on the checkpoint " + c + ", so it cannot " + what
                    + " (the ONNX UNet's weights are not the checkpoint's); apply its edits with apply --checkpoint");
        });
    }

    private void requireOpen() {
        if (closed.get()) throw new IllegalStateException("the engine is closed");
    }

    /** Closes the sessions and backends; idempotent. The first failure is thrown, the others suppressed. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        ErasekitException first = null;
        for (AutoCloseable c : List.of(sessions, embedder, backends)) {
            try {
                c.close();
            } catch (ErasekitException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            } catch (Exception e) {
                NativeFailureException x = new NativeFailureException("cannot close " + c + ": " + e.getMessage(), e);
                if (first == null) first = x;
                else first.addSuppressed(x);
            }
        }
        if (first != null) throw first;
    }
}
