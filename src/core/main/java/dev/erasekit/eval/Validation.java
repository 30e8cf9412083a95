package dev.erasekit.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.erasekit.diffusion.NoiseSource;
import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.Png;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.tensor.WeightOverrides;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evidence that an edit works and does no harm (docs/methods.md §6): the base model and each edited variant
 * generate every erase and preserve prompt with the same seed; optional judges look at each image
 * (an ONNX classifier's labels, NudeNet's exposed classes, CLIP score against the prompt); PSNR/SSIM
 * compare edited with base images on the preserve prompts; and the mechanistic metrics are measured
 * on the UNet directly at sampled (x_t, t): the guidance-term residual
 * ‖ε'(x,c_e) − ε(x,c_a)‖/‖ε(x,c_e) − ε(x,c_a)‖, the unconditional drift ‖ε'(x,∅) − ε(x,∅)‖/‖ε(x,∅)‖
 * and the preserve drift ‖ε'(x,c_p) − ε(x,c_p)‖/‖ε(x,c_p)‖.
 * Not thread-safe: one validation run per instance.
 */
public final class Validation {
    private static final float[] SAMPLE_TIMESTEPS = {900, 500, 100};

    /**
     * A model variant: the base ({@code weights} null) or edited weights, with the concepts they erase
     * and each concept's anchor (one for all, or one per concept) for the guidance-term residual. With
     * {@code editFrom} > 0 the images are generated with the edit as its embedding transform
     * ({@code transform}, the same edit) acting only from that fraction of the UNet calls on
     * ({@link Txt2Img#generate(Txt2Img.Request, int, java.util.function.IntConsumer)}); the mechanistic metrics stay the edit's.
     */
    public record Variant(String name, WeightOverrides weights, List<String> concepts, List<String> anchors, EmbeddingTransform transform,
                          double editFrom) {
        public Variant {
            concepts = List.copyOf(concepts);
            anchors = List.copyOf(anchors);
            if (!(editFrom >= 0 && editFrom < 1)) throw new InvalidInputException("the edit's start must be in [0, 1), got " + editFrom);
            if (editFrom > 0 && transform == null) throw new InvalidInputException("a scheduled edit needs its embedding transform");
        }

        /** Edited weights acting on every step. */
        public Variant(String name, WeightOverrides weights, List<String> concepts, List<String> anchors) {
            this(name, weights, concepts, anchors, null, 0);
        }

        /** The unedited model. */
        public static Variant base(String name) {
            return new Variant(name, null, List.of(), List.of());
        }
    }

    /** Generation settings shared by all prompts (per-row CSV values override seed, guidance, size). */
    public record Settings(int steps, String scheduler) {
    }

    /**
     * The judges that look at every image; each may be null. {@code nudenetThreshold}: the score above
     * which a NudeNet detection counts (0.6 in RECE's evaluation).
     */
    public record Judges(ImageClassifier classifier, NudeNetDetector nudenet, double nudenetThreshold, ClipScorer clip) {
        public static Judges classifierOnly(ImageClassifier classifier) {
            return new Judges(classifier, null, NudeNetDetector.DEFAULT_THRESHOLD, null);
        }
    }

    /**
     * One generated image: the classifier's labels (empty without one), the exposed NudeNet classes
     * (null without NudeNet), 100·cos CLIP score against its prompt (null without CLIP), and against the
     * base image of the same prompt and seed (null for the base itself): the IoU of their foreground masks
     * ({@link Structure}) and, per classifier output, whether the label is the base image's.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Image(String set, int prompt, String text, String variant, String file, Map<String, String> labels,
                        List<String> exposed, Double clipScore, Double maskIou, Map<String, Boolean> sameAsBase) {
        /** This image compared with the base image {@code base} of the same prompt and seed. */
        Image against(Image base, java.util.BitSet baseMask, java.util.BitSet mask) {
            Map<String, Boolean> same = new LinkedHashMap<>();
            labels.forEach((k, v) -> same.put(k, v.equals(base.labels().get(k))));
            return new Image(set, prompt, text, variant, file, labels, exposed, clipScore, Structure.iou(baseMask, mask), same);
        }
    }

    /**
     * Per-variant numbers. {@code pooledResidual} (SDXL; NaN otherwise): the share of the erased concept's guidance
     * term the edited UNet still receives through the pooled path, ‖ε'(E_c, p_c) − ε'(E_c, p_a)‖ / ‖ε(E_c, p_c) −
     * ε(E_a, p_a)‖ (docs/methods.md §9).
     */
    public record VariantMetrics(String variant, double guidanceResidual, double unconditionalDrift, double preserveDrift,
                                 double psnr, double ssim, double pooledResidual) {
    }

    /** Progress of a run: after each image (of all variants' images), after each variant. */
    public interface Progress {
        default void image(int done, int total) {
        }

        default void variant(String name) {
        }
    }

    public record Result(List<Image> images, List<VariantMetrics> metrics, PromptSet erase, PromptSet preserve,
                         double nudenetThreshold) {
    }

    /**
     * Refuses, before any image is generated, what would fail later: an edit for another base, and any
     * prompt whose generation request this model cannot serve (size, guidance, steps, memory).
     */
    public static void check(StableDiffusionModel model, List<Variant> variants, PromptSet erase, PromptSet preserve, Settings s) {
        for (Variant v : variants) {
            if (v.weights() != null) model.requireBase(v.weights().baseFingerprint(), "the edit " + v.name());
        }
        for (PromptSet set : List.of(erase, preserve)) {
            for (PromptSet.Prompt p : set.prompts()) {
                if (p.width() <= 0 || p.height() <= 0) {
                    throw new InvalidInputException(set.name() + ", prompt \"" + Report.abbreviate(p.text()) + "\": no"
                            + " sd_image_width/sd_image_height, and " + model.dir() + " does not fix an image size (no unet/config.json)");
                }
                try {
                    Txt2Img.check(model, request(p, s));
                } catch (ErasekitException e) {
                    throw new InvalidInputException(set.name() + ", prompt \"" + Report.abbreviate(p.text()) + "\": " + e.getMessage(), e);
                }
            }
        }
    }

    private static Txt2Img.Request request(PromptSet.Prompt p, Settings s) {
        return new Txt2Img.Request(p.text(), "", p.seed(), s.steps(), p.guidance(), s.scheduler(), p.width(), p.height(), null);
    }

    public static Result run(StableDiffusionModel model, Path cacheRoot, List<Variant> variants, PromptSet erase,
                             PromptSet preserve, Judges judges, Path reportDir, Settings s,
                             Progress progress) throws IOException {
        check(model, variants, erase, preserve, s);
        Files.createDirectories(reportDir.resolve("images"));
        List<Image> images = new ArrayList<>();
        int total = variants.size() * (erase.prompts().size() + preserve.prompts().size());
        Map<String, float[]> baseImages = new LinkedHashMap<>();
        Map<String, Image> baseJudged = new LinkedHashMap<>();
        Map<String, java.util.BitSet> baseMasks = new LinkedHashMap<>();
        Map<String, double[]> quality = new LinkedHashMap<>();
        for (Variant v : variants) {
            double psnr = 0, ssim = 0;
            int n = 0;
            boolean scheduled = v.editFrom() > 0;
            try (Txt2Img pipe = Txt2Img.open(model, cacheRoot, scheduled ? null : v.weights(), scheduled ? v.transform() : null,
                    OrtOptions::cpu, Warnings.DEBUG_LOG)) {
                for (PromptSet set : List.of(erase, preserve)) {
                    String kind = set == erase ? "erase" : "preserve";
                    for (int i = 0; i < set.prompts().size(); i++) {
                        PromptSet.Prompt p = set.prompts().get(i);
                        Txt2Img.Request req = request(p, s);
                        Txt2Img.Result r = scheduled ? pipe.generate(req, (int) Math.round(v.editFrom() * pipe.calls(req)), null)
                                : pipe.generate(req, null);
                        String file = "images/" + kind + "-" + i + "-" + v.name().toLowerCase().replaceAll("[^a-z0-9]+", "_") + ".png";
                        Png.write(reportDir.resolve(file), Png.rgb(r.image(), r.imageWidth(), r.imageHeight()),
                                Map.of("parameters", p.text() + "\nSeed: " + p.seed() + ", Variant: " + v.name()));
                        Image judged = judge(judges, kind, i, p.text(), v.name(), file, r);
                        String key = kind + i;
                        java.util.BitSet mask = Structure.mask(r.image(), r.imageWidth(), r.imageHeight());
                        if (v.weights() == null) {
                            baseJudged.put(key, judged);
                            baseMasks.put(key, mask);
                        } else if (baseJudged.containsKey(key)) {
                            judged = judged.against(baseJudged.get(key), baseMasks.get(key), mask);
                        }
                        images.add(judged);
                        if (progress != null) progress.image(images.size(), total);
                        if (v.weights() == null) {
                            baseImages.put(key, r.image());
                        } else if (kind.equals("preserve") && baseImages.containsKey(key)) {
                            psnr += Math.min(100, ImageMetrics.psnr(r.image(), baseImages.get(key)));
                            ssim += ImageMetrics.ssim(r.image(), baseImages.get(key), r.imageWidth(), r.imageHeight());
                            n++;
                        }
                    }
                }
            }
            quality.put(v.name(), new double[] {n == 0 ? Double.NaN : psnr / n, n == 0 ? Double.NaN : ssim / n});
            if (progress != null) progress.variant(v.name());
        }
        List<VariantMetrics> metrics = new ArrayList<>();
        for (Variant v : variants) {
            double[] m = v.weights() == null ? new double[] {Double.NaN, 0, 0, Double.NaN} : mechanistic(model, cacheRoot, v, preserve);
            double[] q = quality.get(v.name());
            metrics.add(new VariantMetrics(v.name(), m[0], m[1], m[2], q[0], q[1], m[3]));
        }
        return new Result(images, metrics, erase, preserve, judges.nudenetThreshold());
    }

    private static Image judge(Judges j, String set, int prompt, String text, String variant, String file, Txt2Img.Result r) {
        float[] x = r.image();
        int w = r.imageWidth(), h = r.imageHeight();
        Map<String, String> labels = j.classifier() == null ? Map.of() : j.classifier().classify(x, w, h);
        List<String> exposed = j.nudenet() == null ? null : List.copyOf(j.nudenet().exposed(x, w, h, j.nudenetThreshold()));
        Double clip = j.clip() == null ? null : j.clip().score(x, w, h, text);
        return new Image(set, prompt, text, variant, file, labels, exposed, clip, null, null);
    }

    /**
     * {guidance-term residual, unconditional drift, preserve drift, pooled residual (NaN without a pooled path)}, at 3
     * timesteps × a fixed latent; SDXL's UNet gets the prompts' pooled embeddings and the time ids of that latent's image.
     */
    static double[] mechanistic(StableDiffusionModel model, Path cacheRoot, Variant edit, PromptSet preserve) {
        // any latent size the UNet takes will do: the config's, else 16 (three halvings)
        int size = model.unetConfig().sampleSize() > 0 ? model.unetConfig().sampleSize() : 16, d = model.textWidth();
        long[] xs = {1, model.unetConfig().inChannels() > 0 ? model.unetConfig().inChannels() : 4, size, size}, cs = {1, 77, d};
        float[] x = new NoiseSource(1234).gaussian((int) (xs[1] * size * size));
        int side = size * Txt2Img.vaeScaleFactor(model);
        float[] timeIds = model.pooledWidth() > 0 ? Txt2Img.timeIds(side, side, 1) : null;
        List<String> anchors = edit.anchors().isEmpty() ? null : edit.anchors();
        double residual = 0, uncond = 0, keep = 0, pooled = 0;
        int nr = 0, np = 0;
        try (TextEmbedder e = dev.erasekit.diffusion.ModelText.embedder(model, cacheRoot, Warnings.DEBUG_LOG);
             UnetSession base = UnetSession.open(model.unetFile()); UnetSession edited = UnetSession.open(model, edit.weights())) {
            PromptEmbedding empty = e.embed("");
            for (float t : SAMPLE_TIMESTEPS) {
                float[] ts = {t};
                Eps eps = (u, rows, p) -> u.predict(x, xs, ts, rows.rows().data(), cs, timeIds == null ? null : p.pooled(), timeIds);
                float[] u0 = eps.of(base, empty, empty), u1 = eps.of(edited, empty, empty);
                uncond = Math.max(uncond, dist(u1, u0) / dist(u0, null));
                for (int i = 0; i < edit.concepts().size() && anchors != null; i++) {
                    PromptEmbedding ce = e.embed(edit.concepts().get(i)), ca = e.embed(anchors.size() == 1 ? anchors.getFirst() : anchors.get(i));
                    float[] e0 = eps.of(base, ce, ce), e1 = eps.of(edited, ce, ce), a0 = eps.of(base, ca, ca);
                    residual += dist(e1, a0) / dist(e0, a0);
                    if (timeIds != null) pooled += dist(e1, eps.of(edited, ce, ca)) / dist(e0, a0); // only the pooled input differs
                    nr++;
                }
                for (int i = 0; i < Math.min(8, preserve.prompts().size()); i++) {
                    PromptEmbedding cp = e.embed(preserve.prompts().get(i).text());
                    float[] p0 = eps.of(base, cp, cp), p1 = eps.of(edited, cp, cp);
                    keep += dist(p1, p0) / dist(p0, null);
                    np++;
                }
            }
        }
        return new double[] {nr == 0 ? Double.NaN : residual / nr, uncond, np == 0 ? Double.NaN : keep / np,
                nr == 0 || timeIds == null ? Double.NaN : pooled / nr};
    }

    /** ε of one UNet for a prompt's token rows and (SDXL) another prompt's pooled embedding. */
    private interface Eps {
        float[] of(UnetSession unet, PromptEmbedding rows, PromptEmbedding pooled);
    }

    private static double dist(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double v = a[i] - (b == null ? 0 : b[i]);
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
