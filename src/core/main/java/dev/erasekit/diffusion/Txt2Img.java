package dev.erasekit.diffusion;

import ai.onnxruntime.OrtSession;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.tensor.WeightOverrides;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Text to image (docs/methods.md §1): classifier-free guidance ε = ε(∅) + g·(ε(c) − ε(∅)) with the "" (or
 * negative) prompt, a config-driven scheduler, the UNet and VAE decoder on ONNX Runtime. An edit reaches
 * the UNet either as overridden weights (a {@link UnetSession} opened with them) or, for shared-factor
 * edits, as the embedding transform of docs/methods.md §5 (every token row c → M·c, fed to the unedited
 * UNet). Built over sessions it does not own ({@link #Txt2Img(StableDiffusionModel, TextEmbedder,
 * UnetSession, VaeDecoder, EmbeddingTransform)}), or owning them ({@link #open}). Thread-safe: each
 * {@link #generate} call keeps its own scheduler state.
 */
public final class Txt2Img implements AutoCloseable {
    private final StableDiffusionModel model;
    private final TextEmbedder embedder;
    private final UnetSession unet;
    private final VaeDecoder vae;
    private final SchedulerConfig schedulerConfig;
    private final EmbeddingTransform transform;
    private final int width;
    private final int pooledWidth;
    private final int vaeScale;
    private final boolean owner;

    /**
     * A pipeline over the given parts, which stay the caller's to close.
     *
     * @param transform the embedding transform of an edit, or null
     */
    public Txt2Img(StableDiffusionModel model, TextEmbedder embedder, UnetSession unet, VaeDecoder vae, EmbeddingTransform transform) {
        this(model, embedder, unet, vae, transform, false);
    }

    private Txt2Img(StableDiffusionModel model, TextEmbedder embedder, UnetSession unet, VaeDecoder vae, EmbeddingTransform transform,
                    boolean owner) {
        this.model = model;
        this.width = model.textWidth();
        this.pooledWidth = model.pooledWidth();
        this.embedder = embedder;
        this.unet = unet;
        this.vae = vae;
        this.transform = transform;
        this.owner = owner;
        this.schedulerConfig = SchedulerConfig.read(model.dir().resolve("scheduler/scheduler_config.json"));
        this.vaeScale = vaeScaleFactor(model);
        if (transform != null && transform.width() != width) {
            throw new InvalidInputException("the transform is " + transform.width() + "-wide, the model's text " + width);
        }
    }

    /**
     * A pipeline that owns its parts (closed with it): the model's text encoder, its UNet with
     * {@code weights} applied in memory (null: the base), its VAE decoder; {@code options} makes each
     * session's options.
     */
    public static Txt2Img open(StableDiffusionModel model, Path cacheRoot, WeightOverrides weights, EmbeddingTransform transform,
                               Supplier<OrtSession.SessionOptions> options, Warnings warnings) {
        TextEmbedder embedder = null;
        UnetSession unet = null;
        VaeDecoder vae = null;
        try {
            embedder = ModelText.embedder(model, cacheRoot, warnings, options);
            unet = weights != null ? UnetSession.open(model, weights, options.get()) : UnetSession.open(model.unetFile(), options.get());
            vae = new VaeDecoder(model.dir().resolve("vae_decoder/model.onnx"), options.get());
            return new Txt2Img(model, embedder, unet, vae, transform, true);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {vae, unet, embedder}) {
                try {
                    if (c != null) c.close();
                } catch (Exception x) {
                    e.addSuppressed(x);
                }
            }
            throw e;
        }
    }

    /** 2^(number of VAE blocks − 1), as diffusers computes it (SD: 8), from vae_decoder/config.json. */
    public static int vaeScaleFactor(StableDiffusionModel model) {
        java.nio.file.Path cfg = model.dir().resolve("vae_decoder/config.json");
        if (!java.nio.file.Files.exists(cfg)) return 8;
        try {
            int blocks = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cfg.toFile()).path("block_out_channels").size();
            return blocks == 0 ? 8 : 1 << (blocks - 1);
        } catch (java.io.IOException e) {
            throw new CorruptFileException(cfg + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * One generation request. {@code latents} (unscaled N(0, I) noise, [1, 4, h/f, w/f], f the VAE factor) overrides the seed.
     * {@code negative} null means none given: "" for SD v1.x/2.x, zero embeddings for SDXL with
     * {@code force_zeros_for_empty_prompt} (diffusers' {@code negative_prompt=None}); "" is encoded as a prompt.
     */
    public record Request(String prompt, String negative, long seed, int steps, double guidance, String scheduler,
                          int width, int height, float[] latents) {
        /** Classifier-free guidance scales beyond this only overflow (1e308 gave an all-black image). */
        public static final double MAX_GUIDANCE = 100;
        /** The largest image side accepted (SD v1.x is trained at 512, SDXL at 1024). */
        public static final int MAX_SIDE = 4096;

        public Request {
            if (prompt == null) throw new InvalidInputException("the prompt must not be null");
            if (width % 8 != 0 || height % 8 != 0 || width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE) {
                throw new InvalidInputException("width and height must be positive multiples of 8 up to " + MAX_SIDE + ", got "
                        + width + "×" + height);
            }
            if (steps < 1) throw new InvalidInputException("steps must be ≥ 1, got " + steps);
            if (!Double.isFinite(guidance) || Math.abs(guidance) > MAX_GUIDANCE) {
                throw new InvalidInputException("guidance must be a finite number between −" + (int) MAX_GUIDANCE + " and "
                        + (int) MAX_GUIDANCE + ", got " + guidance);
            }
            if (latents != null) {
                for (int i = 0; i < latents.length; i++) {
                    if (!Float.isFinite(latents[i])) {
                        throw new InvalidInputException("the initial latents hold a non-finite value (" + latents[i] + ") at index " + i);
                    }
                }
            }
        }
    }

    /** The final latents (before the VAE) and the decoded image [3, H, W] in [0, 1]. */
    public record Result(float[] latents, float[] image, int imageWidth, int imageHeight) {
    }

    public Result generate(Request r, IntConsumer progress) {
        check(r);
        return decode(r, denoise(r, conditioning(r), progress), vae);
    }

    /**
     * {@link #generate} with this pipeline's transform acting only from UNet call {@code from} on (0: on
     * every call); the calls before it see the base model's embeddings, so the early, layout-setting steps
     * run as the base ran them (docs/methods.md §5: the transform is per row and per call, so switching it
     * costs nothing).
     */
    public Result generate(Request r, int from, IntConsumer progress) {
        check(r);
        if (from < 0) throw new InvalidInputException("the edit's first step must be ≥ 0, got " + from);
        if (from == 0 || transform == null) return generate(r, progress);
        List<Conditioning> before = List.of(conditioning(r, null));
        return decode(r, denoiseBatch(List.of(r), List.of(conditioning(r)), before, new int[] {from}, progress).getFirst(), vae);
    }

    /**
     * The classifier-free guidance batch, [negative; prompt]: text embeddings (transformed if need be) and, for
     * SDXL, the pooled embeddings; a missing negative on an SDXL model with {@code force_zeros_for_empty_prompt}
     * is zeros in both (as {@code StableDiffusionXLPipeline.encode_prompt} makes it).
     */
    public Conditioning conditioning(Request r) {
        return conditioning(r, transform);
    }

    /** {@link #conditioning(Request)} with {@code t} (null: none) instead of this pipeline's transform: a per-request policy. */
    public Conditioning conditioning(Request r, EmbeddingTransform t) {
        if (t != null && t.width() != width) {
            throw new InvalidInputException("the transform is " + t.width() + "-wide, the model's text " + width);
        }
        PromptEmbedding cond = embedder.embed(r.prompt());
        boolean zeros = r.negative() == null && model.forceZerosForEmptyPrompt();
        PromptEmbedding uncond = zeros ? null : embedder.embed(r.negative() == null ? "" : r.negative());
        int n = cond.rows().data().length, p = pooledWidth;
        float[] texts = new float[2 * n];
        if (uncond != null) System.arraycopy(rows(uncond, t), 0, texts, 0, n);
        System.arraycopy(rows(cond, t), 0, texts, n, n);
        float[] pooled = null;
        if (p > 0) { // the pooled-path map of an edit served as a transform (M_p·text_embeds ⇔ W₁·M_p), else as they are
            pooled = new float[2 * p];
            if (uncond != null) System.arraycopy(uncond.pooled(), 0, pooled, 0, p);
            System.arraycopy(cond.pooled(), 0, pooled, p, p);
            EmbeddingTransform mp = t == null ? null : t.pooled().orElse(null);
            if (mp != null) {
                if (mp.width() != p) throw new InvalidInputException("the pooled map is " + mp.width() + "-wide, the model's " + p);
                pooled = mp.apply(pooled);
            }
        }
        return new Conditioning(texts, pooled);
    }

    /**
     * Several requests in one UNet call per step (docs/methods.md §5: each request's rows carry its own
     * policy, so one unedited UNet serves them all): the batch holds every request's unconditional rows,
     * then every request's conditional rows; each request keeps its own scheduler state and noise. The
     * requests must share size, steps and scheduler (one timestep schedule); each result equals the
     * request run alone up to the UNet's batch-size rounding.
     *
     * @param texts each request's {@link #conditioning} batch
     * @return each request's final latents
     */
    public List<float[]> denoiseBatch(List<Request> rs, List<Conditioning> texts, IntConsumer progress) {
        return denoiseBatch(rs, texts, null, null, progress);
    }

    /**
     * {@link #denoiseBatch(List, List, IntConsumer)} where request j uses {@code before.get(j)} instead of its
     * texts for the UNet calls before {@code from[j]} ({@code before} null: none).
     */
    public List<float[]> denoiseBatch(List<Request> rs, List<Conditioning> texts, List<Conditioning> before, int[] from,
                                      IntConsumer progress) {
        Request first = rs.getFirst();
        for (Request r : rs) {
            if (r.width() != first.width() || r.height() != first.height() || r.steps() != first.steps()
                    || !r.scheduler().equals(first.scheduler())) {
                throw new InvalidInputException("requests batched into one UNet call must share size, steps and scheduler");
            }
        }
        int b = rs.size(), lw = first.width() / vaeScale, lh = first.height() / vaeScale, n = 4 * lw * lh, t = 77 * width, p = pooledWidth;
        List<Scheduler> schedulers = new ArrayList<>();
        List<NoiseSource> noises = new ArrayList<>();
        List<float[]> xs = new ArrayList<>();
        float[] allTexts = new float[2 * b * t], allPooled = p > 0 ? new float[2 * b * p] : null;
        float[] timeIds = p > 0 ? timeIds(first.width(), first.height(), 2 * b) : null;
        for (int j = 0; j < b; j++) {
            Request r = rs.get(j);
            Scheduler s = Scheduler.create(r.scheduler(), schedulerConfig);
            s.setTimesteps(r.steps());
            NoiseSource noise = new NoiseSource(r.seed());
            float[] x = r.latents() != null ? r.latents().clone() : noise.gaussian(n);
            double sigma0 = s.initNoiseSigma();
            for (int i = 0; i < n; i++) x[i] = (float) (x[i] * sigma0);
            schedulers.add(s);
            noises.add(noise);
            xs.add(x);
            place(texts.get(j), j, b, t, p, allTexts, allPooled); // unconditional rows first, then the conditional rows
        }
        double[] ts = schedulers.getFirst().timesteps();
        float[] timesteps = new float[2 * b];
        for (int i = 0; i < ts.length; i++) {
            float[] batch = new float[2 * b * n];
            float[][] ins = new float[b][];
            for (int j = 0; j < b; j++) {
                float[] in = schedulers.get(j).scaleModelInput(xs.get(j), i);
                ins[j] = in;
                System.arraycopy(in, 0, batch, j * n, n);
                System.arraycopy(in, 0, batch, (b + j) * n, n);
            }
            Arrays.fill(timesteps, (float) ts[i]);
            if (before != null) {
                for (int j = 0; j < b; j++) place(i < from[j] ? before.get(j) : texts.get(j), j, b, t, p, allTexts, allPooled);
            }
            float[] eps = unet.predict(batch, new long[] {2L * b, 4, lh, lw}, timesteps, allTexts, new long[] {2L * b, 77, width},
                    allPooled, timeIds);
            for (int j = 0; j < b; j++) {
                double g = rs.get(j).guidance();
                float[] guided = new float[n];
                for (int k = 0; k < n; k++) guided[k] = (float) (eps[j * n + k] + g * (eps[(b + j) * n + k] - eps[j * n + k]));
                if (schedulerConfig.vPrediction()) { // guidance is affine in v, so guide v, then ε = √ᾱ·v + √(1−ᾱ)·x_in
                    double ab = schedulers.get(j).alphaBar(i), sa = Math.sqrt(ab), sb = Math.sqrt(1 - ab);
                    for (int k = 0; k < n; k++) guided[k] = (float) (sa * guided[k] + sb * ins[j][k]);
                }
                float[] x = schedulers.get(j).step(guided, i, xs.get(j), noises.get(j));
                requireFinite(x, "the latents after step " + (i + 1));
                xs.set(j, x);
            }
            if (progress != null) progress.accept(i + 1);
        }
        return xs;
    }

    /** Request j's negative rows at batch row j, its prompt's at row b + j (texts t floats a row, pooled p). */
    private static void place(Conditioning c, int j, int b, int t, int p, float[] texts, float[] pooled) {
        System.arraycopy(c.texts(), 0, texts, j * t, t);
        System.arraycopy(c.texts(), t, texts, (b + j) * t, t);
        if (pooled != null) {
            System.arraycopy(c.pooled(), 0, pooled, j * p, p);
            System.arraycopy(c.pooled(), p, pooled, (b + j) * p, p);
        }
    }

    /**
     * SDXL's time ids for every batch row: (original size, crop top-left, target size) with height before width,
     * as {@code StableDiffusionXLPipeline._get_add_time_ids} builds them for an uncropped image of that size.
     */
    public static float[] timeIds(int width, int height, int rows) {
        float[] one = {height, width, 0, 0, height, width}, all = new float[rows * one.length];
        for (int i = 0; i < rows; i++) System.arraycopy(one, 0, all, i * one.length, one.length);
        return all;
    }

    /** The denoising loop on {@code texts} ({@link #conditioning}): the final latents [1, 4, h/f, w/f]. */
    public float[] denoise(Request r, Conditioning texts, IntConsumer progress) {
        return denoiseBatch(List.of(r), List.of(texts), progress).getFirst();
    }

    /** The image of the final latents, decoded by {@code decoder}. */
    public Result decode(Request r, float[] latents, VaeDecoder decoder) {
        long[] shape = {1, 4, r.height() / vaeScale, r.width() / vaeScale}, imgShape = new long[4];
        float[] img = decoder.decode(latents, shape, imgShape);
        requireFinite(img, "the VAE's image");
        for (int i = 0; i < img.length; i++) img[i] = Math.clamp(img[i] / 2 + 0.5f, 0f, 1f);
        return new Result(latents, img, (int) imgShape[3], (int) imgShape[2]);
    }

    /**
     * Refuses a request this model cannot serve, before any work: sizes the VAE factor does not divide,
     * more steps than training timesteps, an unknown scheduler, initial latents of the wrong size, or
     * a size whose arrays do not fit the Java heap or whose UNet attention does not fit the machine.
     */
    public void check(Request r) {
        check(model, schedulerConfig, vaeScale, r);
    }

    /** {@link #check(Request)} without opening a pipeline (reads only the model's small configs). */
    public static void check(StableDiffusionModel model, Request r) {
        check(model, SchedulerConfig.read(model.dir().resolve("scheduler/scheduler_config.json")), vaeScaleFactor(model), r);
    }

    private static void check(StableDiffusionModel model, SchedulerConfig schedulerConfig, int vaeScale, Request r) {
        if (r.width() % vaeScale != 0 || r.height() % vaeScale != 0) {
            throw new InvalidInputException("width and height must be multiples of " + vaeScale + " for this model");
        }
        schedulerConfig.checkSteps(r.steps());
        Scheduler.create(r.scheduler(), schedulerConfig);
        int n = 4 * (r.width() / vaeScale) * (r.height() / vaeScale);
        if (r.latents() != null && r.latents().length != n) {
            throw new InvalidInputException("initial latents have " + r.latents().length + " values; " + r.width() + "×" + r.height()
                    + " needs " + n + " ([1, 4, " + r.height() / vaeScale + ", " + r.width() / vaeScale + "])");
        }
        MemoryEstimate.check(r.width(), r.height(), vaeScale, model.unetConfig());
    }

    /**
     * The model's native image side (the UNet's sample size × the VAE factor: 512 for SD v1.x); a model
     * whose configs and graph do not say is refused with a request for explicit sizes.
     */
    public static int defaultSize(StableDiffusionModel model) {
        int s = model.unetConfig().sampleSize();
        if (s <= 0) {
            throw new InvalidInputException(model.dir() + " has no unet/config.json and its UNet graph does not fix the image"
                    + " size: give --width and --height");
        }
        return s * vaeScaleFactor(model);
    }

    private static void requireFinite(float[] v, String what) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new InvalidInputException(what + " hold non-finite values: the model or the edit is numerically broken"
                        + " (no image written)");
            }
        }
    }

    /** UNet calls per image with this request's scheduler, without opening a pipeline. */
    public static int calls(StableDiffusionModel model, Request r) {
        Scheduler s = Scheduler.create(r.scheduler(), SchedulerConfig.read(model.dir().resolve("scheduler/scheduler_config.json")));
        s.setTimesteps(r.steps());
        return s.timesteps().length;
    }

    /** UNet calls per image with this request's scheduler (PNDM adds one). */
    public int calls(Request r) {
        Scheduler s = Scheduler.create(r.scheduler(), schedulerConfig);
        s.setTimesteps(r.steps());
        return s.timesteps().length;
    }

    private static float[] rows(PromptEmbedding e, EmbeddingTransform t) {
        return t == null ? e.rows().data() : t.apply(e.rows().data());
    }

    /** Closes the parts this pipeline owns (none when built over the caller's parts). */
    @Override
    public void close() {
        if (!owner) return;
        try (embedder; unet; vae) {
            // closed in reverse order by try-with-resources
        }
    }
}
