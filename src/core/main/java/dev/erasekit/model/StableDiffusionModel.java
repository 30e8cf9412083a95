package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.WrongBaseException;
import dev.erasekit.io.FileFingerprints;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A Stable Diffusion (v1.x, 2.x or SDXL) ONNX export on disk, in the optimum layout ({@code unet/model.onnx}, UNet
 * weights inline or in {@code model.onnx_data}) or the CompVis {@code onnx} branch layout (external
 * data in {@code weights.pb}): configs, tokenizer and text-encoder paths, and the UNet's
 * cross-attention K/V layers, read on demand. Nothing here writes to the folder.
 * Thread-safe: immutable once opened, the fingerprint computed once under a lock.
 */
public final class StableDiffusionModel {
    private final Path dir;
    private final OnnxModel unet;
    private final UnetConfig unetConfig;
    private final int textWidth;
    private final List<TextEncoderParts> textEncoders;
    private final List<CrossAttentionLayer> layers;
    private final ModelFamily family;
    private final PooledProjection pooledProjection;
    private volatile Boolean forceZerosForEmptyPrompt;
    private volatile String fingerprint;

    /** @param textWidth the encoders' widths summed (what {@link #open} checked the layers against) */
    private StableDiffusionModel(Path dir, OnnxModel unet, UnetConfig unetConfig, List<TextEncoderParts> textEncoders, int textWidth,
                                 List<CrossAttentionLayer> layers, ModelFamily family) {
        this.family = family;
        this.textEncoders = List.copyOf(textEncoders);
        this.pooledProjection = PooledProjection.locate(unet, pooledWidth()).orElse(null);
        this.dir = dir;
        this.unet = unet;
        this.unetConfig = unetConfig;
        this.textWidth = textWidth;
        this.layers = List.copyOf(layers);
    }

    /** Opens and checks a model folder: one clear error for a missing part, no cross-attention, or a width mismatch. */
    public static StableDiffusionModel open(Path dir) {
        if (!Files.isDirectory(dir)) throw new CorruptFileException("model folder not found: " + dir);
        Path unetFile = dir.resolve("unet/model.onnx");
        if (!Files.exists(unetFile)) {
            throw new CorruptFileException(dir + " is not a Stable Diffusion ONNX export: unet/model.onnx is missing");
        }
        for (String part : List.of("text_encoder/model.onnx", "tokenizer/vocab.json", "tokenizer/merges.txt")) {
            if (!Files.exists(dir.resolve(part))) throw new CorruptFileException(dir + ": " + part + " is missing");
        }
        OnnxModel unet = OnnxModel.read(unetFile);
        ModelFamily family = ModelFamily.detect(dir, unet.inputNames());
        family.requireSupported(dir);
        UnetConfig config = UnetConfig.read(dir.resolve("unet/config.json"));
        List<CrossAttentionLayer> layers = CrossAttentionLocator.locate(unet, config);
        if (config == null) config = UnetConfig.inferred(unet, layers);
        List<TextEncoderParts> encoders = new ArrayList<>();
        if (family.family() == ModelFamily.Family.SDXL) {
            encoders.add(new TextEncoderParts(dir.resolve("tokenizer"), dir.resolve("text_encoder/model.onnx"),
                    textWidth(dir, "text_encoder", -1), true, 0));
            Path second = dir.resolve("text_encoder_2");
            int pooled = pooledWidth(second);
            encoders.add(new TextEncoderParts(dir.resolve("tokenizer_2"), second.resolve("model.onnx"), textWidth(dir, "text_encoder_2", -1),
                    true, pooled));
        } else {
            encoders.add(new TextEncoderParts(dir.resolve("tokenizer"), dir.resolve("text_encoder/model.onnx"),
                    textWidth(dir, "text_encoder", layers.getFirst().in()), false, 0));
        }
        int textWidth = encoders.stream().mapToInt(TextEncoderParts::width).sum();
        for (CrossAttentionLayer l : layers) {
            if (l.in() != textWidth) {
                throw new CorruptFileException(dir + ": cross-attention " + l.diffusersName() + " takes width " + l.in()
                        + " but the text encoder" + (encoders.size() > 1 ? "s produce" : " produces") + " width " + textWidth
                        + " (text encoder and UNet do not match)");
            }
        }
        return new StableDiffusionModel(dir, unet, config, encoders, textWidth, layers, family);
    }

    /** The hidden width of the encoder in {@code folder}: its config's hidden_size, else its graph's declared output. */
    private static int textWidth(Path dir, String folder, int fallback) {
        JsonNode j = config(dir.resolve(folder).resolve("config.json"));
        if (j != null && j.has("hidden_size")) return j.get("hidden_size").asInt();
        OnnxModel te = OnnxModel.read(dir.resolve(folder).resolve("model.onnx"));
        for (OnnxMl.ValueInfoProto o : te.graph().getOutputList()) {
            var dims = o.getType().getTensorType().getShape().getDimList();
            if ((o.getName().equals("last_hidden_state") || o.getName().startsWith("hidden_states."))
                    && dims.size() == 3 && dims.get(2).hasDimValue()) {
                return (int) dims.get(2).getDimValue();
            }
        }
        if (fallback > 0) return fallback;
        throw new CorruptFileException(dir.resolve(folder) + ": neither its config.json nor its graph gives the encoder's width");
    }

    /** SDXL's pooled width: text_encoder_2's projection_dim, else its graph's {@code text_embeds} output width. */
    private static int pooledWidth(Path folder) {
        JsonNode j = config(folder.resolve("config.json"));
        if (j != null && j.has("projection_dim")) return j.get("projection_dim").asInt();
        OnnxModel te = OnnxModel.read(folder.resolve("model.onnx"));
        for (OnnxMl.ValueInfoProto o : te.graph().getOutputList()) {
            var dims = o.getType().getTensorType().getShape().getDimList();
            if (o.getName().equals("text_embeds") && dims.size() == 2 && dims.get(1).hasDimValue()) return (int) dims.get(1).getDimValue();
        }
        throw new CorruptFileException(folder + ": no projection_dim in its config.json and no text_embeds output width");
    }

    private static JsonNode config(Path file) {
        if (!Files.exists(file)) return null;
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CorruptFileException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The model's family and the evidence. */
    public ModelFamily family() {
        return family;
    }

    public OnnxModel unet() {
        return unet;
    }

    public UnetConfig unetConfig() {
        return unetConfig;
    }

    /** The UNet's text width: the sum of the text encoders' widths (SDXL concatenates both). */
    public int textWidth() {
        return textWidth;
    }

    /** The text encoders, in the order their hidden states are concatenated (one for SD v1.x/2.x, two for SDXL). */
    public List<TextEncoderParts> textEncoders() {
        return textEncoders;
    }

    /** The pooled text embedding's width the UNet takes ({@code text_embeds}: SDXL), or 0 when it takes none. */
    public int pooledWidth() {
        return textEncoders.stream().mapToInt(TextEncoderParts::pooledWidth).sum();
    }

    /**
     * Whether a missing negative prompt means zero embeddings rather than "" (SDXL's
     * {@code force_zeros_for_empty_prompt} in model_index.json; diffusers' default for SDXL is true). Read on the
     * first call and remembered (every generation asks).
     */
    public boolean forceZerosForEmptyPrompt() {
        Boolean f = forceZerosForEmptyPrompt;
        if (f == null) {
            JsonNode index = family.family() != ModelFamily.Family.SDXL ? null : config(dir.resolve("model_index.json"));
            f = family.family() == ModelFamily.Family.SDXL && (index == null || index.path("force_zeros_for_empty_prompt").asBoolean(true));
            forceZerosForEmptyPrompt = f; // racing first calls read the same file and agree
        }
        return f;
    }

    public Path tokenizerDir() {
        return dir.resolve("tokenizer");
    }

    public Path textEncoderFile() {
        return dir.resolve("text_encoder/model.onnx");
    }

    public Path unetFile() {
        return unet.file();
    }

    /** "optimum" or "compvis-onnx" (external data in weights.pb), and inline/external. */
    public String layout() {
        boolean external = unet.initializers().values().stream().anyMatch(TensorData::isExternal);
        boolean weightsPb = Files.exists(dir.resolve("unet/weights.pb"));
        return (weightsPb ? "CompVis onnx branch" : "optimum") + (external ? ", UNet weights external" : ", UNet weights inline");
    }

    /** The K/V layers in UCE's reference order (to_v of each attn2, then to_k). */
    public List<CrossAttentionLayer> layers() {
        return layers;
    }

    /** SDXL's pooled projection (add_embedding.linear_1), or empty for a UNet without a pooled text path. */
    public java.util.Optional<PooledProjection> pooledProjection() {
        return java.util.Optional.ofNullable(pooledProjection);
    }

    /** W₁ of the pooled projection, [out, in] PyTorch layout; the model must have one. */
    public float[] readPooledWeight() {
        PooledProjection p = pooledProjection().orElseThrow(() -> new InvalidInputException(dir + " has no pooled text path"));
        float[] onnx = TensorData.floats(unet.initializers().get(p.initializer()), unet.dir());
        return p.transposed() ? transpose(onnx, p.in(), p.out()) : onnx;
    }

    /**
     * The initializers {@code edited} replaces, in ONNX terms: every overridden K/V and, when the edit maps the
     * pooled path, add_embedding.linear_1 folded (W₁[:, :p]·M_p). Refuses weights made for another base, layers the
     * model lacks, and a pooled map on a model without a pooled path or of the wrong width.
     */
    public List<InitializerPatch> patches(dev.erasekit.tensor.WeightOverrides edited) {
        requireBase(edited.baseFingerprint(), "this edit");
        List<InitializerPatch> out = new ArrayList<>();
        for (LayerWeights w : edited.layers()) {
            CrossAttentionLayer l = layer(w.name());
            if (w.out() != l.out() || w.width() != l.in()) {
                throw new InvalidInputException("edit tensor " + w.name() + " is " + w.out() + "×" + w.width() + ", the model's is "
                        + l.out() + "×" + l.in());
            }
            out.add(new InitializerPatch(l.initializer(), l.transposed(), l.dtype(), l.out(), l.in(), w.w().data()));
        }
        if (edited.pooled() != null) {
            PooledProjection p = pooledProjection().orElseThrow(() -> new InvalidInputException("the edit maps the pooled text path,"
                    + " which " + dir + " does not have"));
            if (edited.pooled().width() != p.textColumns()) {
                throw new InvalidInputException("the edit's pooled map is " + edited.pooled().width() + "-wide, the model's pooled"
                        + " embedding " + p.textColumns());
            }
            out.add(new InitializerPatch(p.initializer(), p.transposed(), p.dtype(), p.out(), p.in(),
                    p.fold(readPooledWeight(), edited.pooled().matrix())));
        }
        return out;
    }

    /** Reads every K/V weight, in reference order, as W (out × in, PyTorch layout). */
    public List<LayerWeights> readWeights() {
        List<LayerWeights> out = new ArrayList<>();
        for (CrossAttentionLayer l : layers) {
            float[] onnx = TensorData.floats(unet.initializers().get(l.initializer()), unet.dir());
            float[] torch = l.transposed() ? transpose(onnx, l.in(), l.out()) : onnx;
            out.add(new LayerWeights(l.diffusersName(), new FloatMatrix(l.out(), l.in(), torch), l.dtype()));
        }
        return out;
    }

    /**
     * The base model's fingerprint: SHA-256 over every K/V weight (name, dtype, shape, values), first
     * 16 bytes in hex. Edits record it and refuse to apply to any other base. Computed once.
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            synchronized (this) {
                if (fingerprint == null) fingerprint = fingerprintOf(readWeights());
                f = fingerprint;
            }
        }
        return f;
    }

    /**
     * {@link #fingerprint()}, remembered under {@code cacheRoot} by the identity (path, size, modification
     * time, inode) of the UNet folder's files, so a second run needs no weights to check an edit's base.
     */
    public String fingerprint(Path cacheRoot) {
        if (cacheRoot == null || fingerprint != null) return fingerprint();
        List<Path> files;
        try (var list = Files.list(unetFile().getParent())) {
            files = list.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            return fingerprint();
        }
        String f = FileFingerprints.remembered("kv-fingerprint/1", files, cacheRoot, this::fingerprint);
        knownFingerprint(f);
        return f;
    }

    /** The fingerprint of weights read elsewhere (the engine reads them once and fingerprints them here). */
    public static String fingerprintOf(List<LayerWeights> weights) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // one small buffer for every layer (a layer-sized copy each was 77 MB of garbage at SD v1.4 size)
            ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (LayerWeights w : weights) {
                sha.update((w.name() + "|" + w.dtype() + "|" + w.out() + "x" + w.width() + "\n").getBytes(StandardCharsets.UTF_8));
                float[] v = w.w().data();
                for (int i = 0; i < v.length; i += b.capacity() / 4) {
                    int n = Math.min(b.capacity() / 4, v.length - i);
                    b.clear();
                    b.asFloatBuffer().put(v, i, n); // bulk: the same little-endian bytes as putFloat one by one
                    sha.update(b.array(), 0, n * 4);
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Seeds the fingerprint when the caller computed it from {@link #readWeights()} itself. */
    public void knownFingerprint(String f) {
        synchronized (this) {
            if (fingerprint == null) fingerprint = f;
        }
    }

    /**
     * The one base check wherever an edit is applied: refuses {@code what} (an edit, a policy, weights)
     * made for another base than this model.
     */
    public void requireBase(String baseFingerprint, String what) {
        if (!fingerprint().equals(baseFingerprint)) {
            throw new WrongBaseException(what + " was made for the base model " + baseFingerprint + ", but " + dir + " is "
                    + fingerprint() + "; refusing to apply it");
        }
    }

    /** The layer with this diffusers name; an unknown name is an error. */
    public CrossAttentionLayer layer(String diffusersName) {
        return layers.stream().filter(x -> x.diffusersName().equals(diffusersName)).findFirst()
                .orElseThrow(() -> new InvalidInputException("the edit changes " + diffusersName + ", which the model does not have"));
    }

    /** aᵀ, in 32×32 tiles (a row-at-a-time transpose of these 1280×768 matrices misses the cache on every write). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i0 = 0; i0 < rows; i0 += 32) {
            for (int j0 = 0; j0 < cols; j0 += 32) {
                int i1 = Math.min(rows, i0 + 32), j1 = Math.min(cols, j0 + 32);
                for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) t[j * rows + i] = a[i * cols + j];
            }
        }
        return t;
    }
}
