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
 * A Stable Diffusion v1.x ONNX export on disk, in the optimum layout ({@code unet/model.onnx}, UNet
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
    private final List<CrossAttentionLayer> layers;
    private final ModelFamily family;
    private volatile String fingerprint;

    private StableDiffusionModel(Path dir, OnnxModel unet, UnetConfig unetConfig, int textWidth,
                                 List<CrossAttentionLayer> layers, ModelFamily family) {
        this.family = family;
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
        int textWidth = textWidth(dir, layers.getFirst().in());
        for (CrossAttentionLayer l : layers) {
            if (l.in() != textWidth) {
                throw new CorruptFileException(dir + ": cross-attention " + l.diffusersName() + " takes width " + l.in()
                        + " but the text encoder produces width " + textWidth + " (text encoder and UNet do not match)");
            }
        }
        return new StableDiffusionModel(dir, unet, config, textWidth, layers, family);
    }

    private static int textWidth(Path dir, int fallback) {
        Path config = dir.resolve("text_encoder/config.json");
        if (Files.exists(config)) {
            try {
                JsonNode j = new ObjectMapper().readTree(config.toFile());
                if (j.has("hidden_size")) return j.get("hidden_size").asInt();
            } catch (IOException e) {
                throw new CorruptFileException(config + " is not valid JSON: " + e.getMessage(), e);
            }
        }
        // No config: read the encoder graph's declared output width.
        OnnxModel te = OnnxModel.read(dir.resolve("text_encoder/model.onnx"));
        for (OnnxMl.ValueInfoProto o : te.graph().getOutputList()) {
            var dims = o.getType().getTensorType().getShape().getDimList();
            if (o.getName().equals("last_hidden_state") && dims.size() == 3 && dims.get(2).hasDimValue()) {
                return (int) dims.get(2).getDimValue();
            }
        }
        return fallback;
    }

    public Path dir() {
        return dir;
    }

    /** The model's family and the evidence (always SD v1.x: {@link #open} refuses the others). */
    public ModelFamily family() {
        return family;
    }

    public OnnxModel unet() {
        return unet;
    }

    public UnetConfig unetConfig() {
        return unetConfig;
    }

    public int textWidth() {
        return textWidth;
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
            for (LayerWeights w : weights) {
                sha.update((w.name() + "|" + w.dtype() + "|" + w.out() + "x" + w.width() + "\n").getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(w.w().data().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(w.w().data()); // bulk: the same little-endian bytes as putFloat one by one
                sha.update(b.array());
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
