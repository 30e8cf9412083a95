package dev.erasekit;

import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.diffusion.VaeDecoder;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.BuildInfo;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.text.TextEmbedder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@link Engine}'s generation: one request, or several with different policies in one UNet call per
 * step; edits as weights or embedding transforms, policies as embedding transforms (docs/methods.md §5).
 * Thread-safe (the sessions are).
 */
final class Generation {
    private final StableDiffusionModel model;
    private final TextEmbedder embedder;
    private final Sessions sessions;
    private final EngineOptions options;
    private final Supplier<BaseWeights> base;

    Generation(StableDiffusionModel model, TextEmbedder embedder, Sessions sessions, EngineOptions options, Supplier<BaseWeights> base) {
        this.model = model;
        this.embedder = embedder;
        this.sessions = sessions;
        this.options = options;
        this.base = base;
    }

    GeneratedImage generate(GenerateRequest r, IntConsumer progress) {
        Txt2Img.Request req = checked(r);
        Edit edit = r.edit().orElse(null);
        Edit weights = edit != null && r.editMode() == EditMode.WEIGHTS ? edit : null;
        EmbeddingTransform transform = transform(r);
        Txt2Img.Result out;
        if (options.retention() == SessionRetention.RELEASE) {
            out = releasing(List.of(r), List.of(req), Collections.singletonList(transform), weights, progress).getFirst(); // transform may be null
        } else if (weights != null) {
            try (UnetSession edited = sessions.openUnet(weights.overrides())) {
                out = new Txt2Img(model, embedder, edited, sessions.vae(), transform).generate(req, progress);
            }
        } else {
            Txt2Img t = new Txt2Img(model, embedder, sessions.unet(), sessions.vae(), transform);
            out = t.generate(req, from(r, t.calls(req)), progress);
        }
        return image(r, req, out);
    }

    /**
     * The requests in one UNet call per step, each with its own policies (and embedding-mode edit); they
     * must share size, steps and sampler, and none may carry a weights-mode edit (one UNet serves them all).
     */
    List<GeneratedImage> generateBatch(List<GenerateRequest> rs, IntConsumer progress) {
        if (rs.isEmpty()) return List.of();
        List<Txt2Img.Request> reqs = new ArrayList<>();
        List<EmbeddingTransform> transforms = new ArrayList<>();
        for (GenerateRequest r : rs) {
            if (r.edit().isPresent() && r.editMode() == EditMode.WEIGHTS) {
                throw new InvalidInputException("a batch runs one unedited UNet: give its edits as policies or in the embedding edit mode");
            }
            reqs.add(checked(r));
            transforms.add(transform(r));
        }
        List<Txt2Img.Result> out;
        if (options.retention() == SessionRetention.RELEASE) {
            out = releasing(rs, reqs, transforms, null, progress);
        } else {
            Txt2Img t = new Txt2Img(model, embedder, sessions.unet(), sessions.vae(), null);
            out = run(t, rs, reqs, transforms, progress, sessions.vae());
        }
        List<GeneratedImage> images = new ArrayList<>();
        for (int i = 0; i < rs.size(); i++) images.add(image(rs.get(i), reqs.get(i), out.get(i)));
        return images;
    }

    private List<Txt2Img.Result> run(Txt2Img t, List<GenerateRequest> rs, List<Txt2Img.Request> reqs,
                                            List<EmbeddingTransform> transforms, IntConsumer progress, VaeDecoder vae) {
        List<float[]> latents = denoise(t, rs, reqs, transforms, progress);
        List<Txt2Img.Result> out = new ArrayList<>();
        for (int i = 0; i < reqs.size(); i++) out.add(t.decode(reqs.get(i), latents.get(i), vae));
        return out;
    }

    /**
     * The batch's final latents: each request's texts with its transform, and for a request whose
     * transform starts part-way ({@link GenerateRequest#editFrom}), its untransformed texts before then.
     */
    private List<float[]> denoise(Txt2Img t, List<GenerateRequest> rs, List<Txt2Img.Request> reqs, List<EmbeddingTransform> transforms,
                                  IntConsumer progress) {
        List<dev.erasekit.diffusion.Conditioning> texts = new ArrayList<>(), before = new ArrayList<>();
        int[] from = new int[reqs.size()];
        for (int i = 0; i < reqs.size(); i++) {
            texts.add(t.conditioning(reqs.get(i), transforms.get(i)));
            from[i] = transforms.get(i) == null ? 0 : from(rs.get(i), t.calls(reqs.get(i)));
            before.add(from[i] == 0 ? texts.getLast() : t.conditioning(reqs.get(i), null));
        }
        if (options.retention() == SessionRetention.RELEASE) embedder.releaseEncoder();
        return t.denoiseBatch(reqs, texts, before, from, progress);
    }

    /** The first UNet call the transform acts on. */
    private static int from(GenerateRequest r, int calls) {
        return (int) Math.round(r.editFrom() * calls);
    }

    /** {@link SessionRetention#RELEASE}: sessions of their own, each closed as soon as its stage is done. */
    private List<Txt2Img.Result> releasing(List<GenerateRequest> rs, List<Txt2Img.Request> reqs, List<EmbeddingTransform> transforms,
                                           Edit weights, IntConsumer progress) {
        List<float[]> latents;
        try (UnetSession u = sessions.openUnet(weights == null ? null : weights.overrides())) {
            Txt2Img t = new Txt2Img(model, embedder, u, null, null);
            latents = denoise(t, rs, reqs, transforms, progress);
        }
        try (VaeDecoder v = sessions.openVae()) {
            Txt2Img t = new Txt2Img(model, embedder, null, v, null);
            List<Txt2Img.Result> out = new ArrayList<>();
            for (int i = 0; i < reqs.size(); i++) out.add(t.decode(reqs.get(i), latents.get(i), v));
            return out;
        }
    }

    /** The request checked against the model (edit and policies made for this base, sizes, steps). */
    Txt2Img.Request checked(GenerateRequest r) {
        if (r.edit().isPresent() || !r.policies().isEmpty()) base.get(); // the model's fingerprint, once the weights are read
        Edit edit = r.edit().orElse(null);
        if (edit != null) model.requireBase(edit.baseFingerprint(), "this edit");
        for (Policy p : r.policies()) model.requireBase(p.baseFingerprint(), "the policy " + p.id());
        if (edit != null && r.editMode() == EditMode.EMBEDDING && edit.sharedFactor().isEmpty()) {
            throw new InvalidInputException("this edit has no shared factor M, so it cannot be applied as an embedding transform;"
                    + " use the weights edit mode");
        }
        Txt2Img.Request req = request(r);
        Txt2Img.check(model, req);
        return req;
    }

    int calls(GenerateRequest r) {
        return Txt2Img.calls(model, request(r));
    }

    /** The embedding-mode edit, then the policies in order; null for none. */
    private EmbeddingTransform transform(GenerateRequest r) {
        EmbeddingTransform t = r.edit().filter(e -> r.editMode() == EditMode.EMBEDDING).flatMap(Edit::transform).orElse(null);
        for (Policy p : r.policies()) t = t == null ? p.transform() : p.transform().after(t);
        return t;
    }

    private Txt2Img.Request request(GenerateRequest r) {
        int w = r.width() > 0 ? r.width() : Txt2Img.defaultSize(model), h = r.height() > 0 ? r.height() : r.width() > 0 ? r.width() : w;
        return new Txt2Img.Request(r.prompt(), r.negative().orElse(null), r.seed(), r.steps(), r.guidance(), r.sampler().id(), w, h,
                r.latents().orElse(null));
    }

    private GeneratedImage image(GenerateRequest r, Txt2Img.Request req, Txt2Img.Result out) {
        return new GeneratedImage(out.imageWidth(), out.imageHeight(), out.image(), out.latents(), parameters(r, req));
    }

    /** The A1111 {@code parameters} text: prompt, negative prompt, then the settings line (edit and policies included). */
    private String parameters(GenerateRequest r, Txt2Img.Request req) {
        String edit = r.edit().map(e -> ", Edit: " + e.methodName() + " " + e.concepts() + " (" + r.editMode().name().toLowerCase()
                + ")").orElse("");
        if (r.editFrom() > 0) edit += ", Edit from: " + r.editFrom();
        String policies = r.policies().isEmpty() ? ""
                : ", Policies: " + r.policies().stream().map(Policy::id).collect(Collectors.joining("+"));
        return r.prompt() + "\nNegative prompt: " + r.negative().orElse("") + "\nSteps: " + r.steps() + ", Sampler: " + r.sampler().id()
                + ", CFG scale: " + r.guidance() + ", Seed: " + r.seed() + ", Size: " + req.width() + "x" + req.height()
                + ", Model hash: " + base.get().fingerprint() + edit + policies + ", Generator: erasekit " + BuildInfo.version();
    }
}
