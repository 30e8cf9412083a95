package dev.erasekit;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.diffusion.VaeDecoder;
import dev.erasekit.edit.Erasure;
import dev.erasekit.edit.GramCache;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.linalg.BackendPool;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.EditedModelWriter;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
    private final CompletableFuture<Base> base;
    private final TextEmbedder embedder;
    private final BackendPool backends;
    private final Object sessionsLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private UnetSession unet;
    private VaeDecoder vae;

    private record Base(List<LayerWeights> weights, String fingerprint, GramCache gram) {
    }

    private Engine(EngineOptions options, StableDiffusionModel model, TextEmbedder embedder, BackendPool backends,
                   CompletableFuture<Base> base) {
        this.options = options;
        this.model = model;
        this.embedder = embedder;
        this.backends = backends;
        this.base = base;
    }

    /**
     * Reads the K/V weights and fingerprints them on a daemon thread, so that the text encoder's hash and
     * session (the other long steps of a first erase) overlap with it.
     */
    private static CompletableFuture<Base> loadBase(StableDiffusionModel model, EngineOptions options) {
        CompletableFuture<Base> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("erasekit-read-weights").start(() -> {
            try {
                List<LayerWeights> weights = model.readWeights();
                String fingerprint = StableDiffusionModel.fingerprintOf(weights);
                model.knownFingerprint(fingerprint);
                f.complete(new Base(weights, fingerprint, new GramCache(weights, fingerprint, options.cacheDir().orElse(null),
                        options.warnings())));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** The base weights, waiting for them if need be; their reading's failure, as it was thrown. */
    private Base base() {
        try {
            return base.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
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
        StableDiffusionModel model = StableDiffusionModel.open(modelDir);
        ClipTokenizer tokenizer = ClipTokenizer.load(model.tokenizerDir());
        BackendPool backends = new BackendPool(options.backend().id(), options.eraseConcurrency());
        TextEmbedder embedder = null;
        try {
            CompletableFuture<Base> base = loadBase(model, options);
            embedder = new TextEmbedder(tokenizer, model.textEncoderFile(), model.textWidth(), options.cacheDir().orElse(null),
                    options.warnings(), () -> sessionOptions(options, SessionOptionsFactory.Stage.TEXT_ENCODER));
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
        Base w = base();
        Erasure.Result res = backends.with(b -> Erasure.run(r.method(), w.weights(), in, () -> w.gram().get(b, times), retainTexts,
                epochRetainTexts, r.keepDerived(), b));
        times.addAll(res.times());
        Map<String, String> compvis = new LinkedHashMap<>();
        for (CrossAttentionLayer l : model.layers()) compvis.put(l.diffusersName(), l.compvisName());
        Edit edit = new Edit(r.method().name(), r.method(), r.concepts(), r.targets(), r.preserves(), w.fingerprint(), model.textWidth(),
                res.edited(), res.factor(), compvis, res.solve());
        return new EraseResult(edit, times.millis(), res.eraseRows(), res.preserveRows(), res.derived(),
                embedder.encodedCount() - encodedBefore);
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
        Edit edit = r.edit().orElse(null);
        if (edit != null) {
            base(); // the model's fingerprint, known once the weights are read
            model.requireBase(edit.baseFingerprint(), "this edit");
        }
        if (edit != null && r.editMode() == EditMode.EMBEDDING && edit.sharedFactor().isEmpty()) {
            throw new InvalidInputException("this edit has no shared factor M, so it cannot be applied as an embedding transform;"
                    + " use the weights edit mode");
        }
        Txt2Img.Request req = request(r);
        Txt2Img.check(model, req);
        EmbeddingTransform transform = edit != null && r.editMode() == EditMode.EMBEDDING ? edit.transform().orElseThrow() : null;
        Txt2Img.Result out;
        boolean weights = edit != null && r.editMode() == EditMode.WEIGHTS;
        if (options.retention() == SessionRetention.RELEASE) {
            out = generateReleasing(req, weights ? edit : null, transform, progress);
        } else if (weights) {
            try (UnetSession edited = UnetSession.open(model, edit.overrides(), sessionOptions(options, SessionOptionsFactory.Stage.UNET))) {
                out = new Txt2Img(model, embedder, edited, vae(), null).generate(req, progress);
            }
        } else {
            out = new Txt2Img(model, embedder, unet(), vae(), transform).generate(req, progress);
        }
        return new GeneratedImage(out.imageWidth(), out.imageHeight(), out.image(), out.latents(), parameters(r, req));
    }

    /** {@link SessionRetention#RELEASE}: each session of its own, closed as soon as its stage is done. */
    private Txt2Img.Result generateReleasing(Txt2Img.Request req, Edit weights, EmbeddingTransform transform, IntConsumer progress) {
        float[] latents, texts;
        try (UnetSession u = weights != null
                ? UnetSession.open(model, weights.overrides(), sessionOptions(options, SessionOptionsFactory.Stage.UNET))
                : UnetSession.open(model.unetFile(), sessionOptions(options, SessionOptionsFactory.Stage.UNET))) {
            Txt2Img t = new Txt2Img(model, embedder, u, null, transform);
            t.check(req);
            texts = t.conditioning(req);
            embedder.releaseEncoder();
            latents = t.denoise(req, texts, progress);
        }
        try (VaeDecoder v = new VaeDecoder(model.dir().resolve("vae_decoder/model.onnx"),
                sessionOptions(options, SessionOptionsFactory.Stage.VAE_DECODER))) {
            return new Txt2Img(model, embedder, null, v, transform).decode(req, latents, v);
        }
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
     * Refuses, without generating, a request this model cannot serve: an edit for another base, a size the
     * VAE factor does not divide or the machine cannot hold, more steps than training timesteps, guidance
     * out of range, initial latents of the wrong size.
     *
     * @param r the request
     */
    public void check(GenerateRequest r) {
        requireOpen();
        r.edit().ifPresent(e -> {
            base();
            model.requireBase(e.baseFingerprint(), "this edit");
        });
        Txt2Img.check(model, request(r));
    }

    /**
     * UNet calls one image of this request takes (PNDM adds one to the steps).
     *
     * @param r the request
     * @return the number of UNet calls
     */
    public int unetCalls(GenerateRequest r) {
        requireOpen();
        return Txt2Img.calls(model, request(r));
    }

    private Txt2Img.Request request(GenerateRequest r) {
        int w = r.width() > 0 ? r.width() : Txt2Img.defaultSize(model), h = r.height() > 0 ? r.height() : r.width() > 0 ? r.width() : w;
        return new Txt2Img.Request(r.prompt(), r.negative(), r.seed(), r.steps(), r.guidance(), r.sampler().id(), w, h,
                r.latents().orElse(null));
    }

    private String parameters(GenerateRequest r, Txt2Img.Request req) {
        String edit = r.edit().map(e -> ", Edit: " + e.methodName() + " " + e.concepts() + " (" + r.editMode().name().toLowerCase()
                + ")").orElse("");
        return r.prompt() + "\nNegative prompt: " + r.negative() + "\nSteps: " + r.steps() + ", Sampler: " + r.sampler().id()
                + ", CFG scale: " + r.guidance() + ", Seed: " + r.seed() + ", Size: " + req.width() + "x" + req.height()
                + ", Model hash: " + base().fingerprint() + edit + ", Generator: erasekit " + dev.erasekit.io.BuildInfo.version();
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
        EditedModelWriter.write(model, edit.overrides(), out);
    }

    private UnetSession unet() {
        synchronized (sessionsLock) {
            requireOpen();
            if (unet == null) unet = UnetSession.open(model.unetFile(), sessionOptions(options, SessionOptionsFactory.Stage.UNET));
            return unet;
        }
    }

    private VaeDecoder vae() {
        synchronized (sessionsLock) {
            requireOpen();
            if (vae == null) {
                vae = new VaeDecoder(model.dir().resolve("vae_decoder/model.onnx"),
                        sessionOptions(options, SessionOptionsFactory.Stage.VAE_DECODER));
            }
            return vae;
        }
    }

    private static OrtSession.SessionOptions sessionOptions(EngineOptions o, SessionOptionsFactory.Stage stage) {
        if (o.sessionOptions().isPresent()) {
            try {
                return o.sessionOptions().get().create(stage);
            } catch (OrtException e) {
                throw new NativeFailureException("the session options for the " + stage + " were refused: " + e.getMessage(), e);
            }
        }
        return o.device() == Device.CUDA && stage != SessionOptionsFactory.Stage.TEXT_ENCODER ? OrtOptions.cuda() : OrtOptions.cpu();
    }

    private void requireOpen() {
        if (closed.get()) throw new IllegalStateException("the engine is closed");
    }

    /** Closes the sessions and backends; idempotent. The first failure is thrown, the others suppressed. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        ErasekitException first = null;
        List<AutoCloseable> parts;
        synchronized (sessionsLock) {
            parts = Arrays.asList(vae, unet, embedder, backends);
        }
        for (AutoCloseable c : parts) {
            try {
                if (c != null) c.close();
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
