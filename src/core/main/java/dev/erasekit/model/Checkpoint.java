package dev.erasekit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.SafeTensorsHeader;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PyTorch-side SD v1.x checkpoint: a single-file {@code .safetensors} with the original CompVis keys
 * ({@code model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight}; text encoder under
 * {@code cond_stage_model.transformer.text_model.}), or a diffusers folder
 * ({@code unet/diffusion_pytorch_model[.fp16].safetensors} with diffusers keys; {@code text_encoder/model[.fp16].safetensors}).
 * Only the header is read when opened; the 32 K/V matrices on demand, in fp32/fp16/bf16. Their
 * {@link #fingerprint()} is the one an ONNX export of the same weights has ({@link StableDiffusionModel#fingerprintOf}:
 * diffusers names, dtype, shape and values in UCE's reference order), so an edit made on either applies to both.
 * Nothing here writes to the checkpoint. Immutable; thread-safe.
 */
public final class Checkpoint {
    /** The CompVis UNet prefix of a single-file checkpoint. */
    public static final String UNET_PREFIX = "model.diffusion_model.";
    private static final Pattern COMPVIS = Pattern.compile(
            "model\\.diffusion_model\\.(?:(input|output)_blocks\\.(\\d+)\\.1|middle_block\\.1)\\.transformer_blocks\\.(\\d+)\\.attn2\\.(to_[kv])\\.weight");
    private static final Pattern DIFFUSERS = Pattern.compile(".*attn2\\.(to_[kv])\\.weight");
    private static final Pattern DOWNSAMPLER = Pattern.compile("model\\.diffusion_model\\.input_blocks\\.(\\d+)\\.0\\.op\\.weight");

    /** One K/V matrix in the file. */
    public record Layer(String diffusersName, String compvisName, SafeTensorsHeader.Entry entry, DType dtype) {
        public int out() {
            return (int) entry.shape()[0];
        }

        public int in() {
            return (int) entry.shape()[1];
        }
    }

    private final Path path, unetFile;
    private final boolean singleFile;
    private final SafeTensorsHeader header;
    private final List<Layer> layers;
    private volatile String fingerprint;

    private Checkpoint(Path path, Path unetFile, boolean singleFile, SafeTensorsHeader header, List<Layer> layers) {
        this.path = path;
        this.unetFile = unetFile;
        this.singleFile = singleFile;
        this.header = header;
        this.layers = List.copyOf(layers);
    }

    /** Opens a single-file checkpoint or a diffusers folder; one clear error for anything else. */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) return openFolder(path);
        if (!Files.isRegularFile(path)) throw new CorruptFileException("checkpoint not found: " + path);
        String name = path.getFileName().toString();
        if (!name.endsWith(".safetensors")) {
            throw new InvalidInputException(path + ": erasekit reads safetensors checkpoints only (a .ckpt is a Python pickle: convert"
                    + " it to .safetensors first)");
        }
        SafeTensorsHeader h = header(path);
        family(path, h);
        int lpb = layersPerBlock(h);
        List<Layer> layers = new ArrayList<>();
        for (SafeTensorsHeader.Entry e : h.entries()) {
            Matcher m = COMPVIS.matcher(e.name());
            if (!m.matches()) continue;
            int t = Integer.parseInt(m.group(3)), n = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            AttentionSite site = m.group(1) == null ? new AttentionSite(AttentionSite.Kind.MID, 0, 0, t)
                    : m.group(1).equals("input") ? new AttentionSite(AttentionSite.Kind.DOWN, (n - 1) / (lpb + 1), (n - 1) % (lpb + 1), t)
                    : new AttentionSite(AttentionSite.Kind.UP, n / (lpb + 1), n % (lpb + 1), t);
            if (!site.compvisPath(lpb).equals(e.name().substring(0, e.name().lastIndexOf(".to_")))) {
                throw new CorruptFileException(path + ": " + e.name() + " is not where an SD v1.x UNet has a cross-attention");
            }
            layers.add(layer(path, site.diffusersPath() + "." + m.group(4) + ".weight", e.name(), e));
        }
        return new Checkpoint(path, path, true, h, sorted(path, layers, "model.diffusion_model.…attn2.to_k.weight"));
    }

    private static Checkpoint openFolder(Path dir) {
        Path unet = Files.exists(dir.resolve("unet/diffusion_pytorch_model.safetensors")) ? dir.resolve("unet/diffusion_pytorch_model.safetensors")
                : dir.resolve("unet/diffusion_pytorch_model.fp16.safetensors");
        if (!Files.exists(unet)) {
            throw new CorruptFileException(dir + " is not a diffusers folder: unet/diffusion_pytorch_model[.fp16].safetensors is missing");
        }
        Path config = dir.resolve("unet/config.json");
        if (Files.exists(config)) {
            try {
                JsonNode c = new ObjectMapper().readTree(config.toFile());
                if (!c.path("addition_embed_type").isNull() && !c.path("addition_embed_type").isMissingNode()
                        || c.path("use_linear_projection").asBoolean(false) || c.path("cross_attention_dim").isArray()) {
                    throw new InvalidInputException(dir + " is an SD 2.x or SDXL UNet (its config has linear projections or added"
                            + " embeddings); erasekit reads SD v1.x checkpoints");
                }
            } catch (IOException e) {
                throw new CorruptFileException(config + " is not valid JSON");
            }
        }
        if (Files.exists(dir.resolve("text_encoder_2"))) {
            throw new InvalidInputException(dir + " has a second text encoder (SDXL); erasekit reads SD v1.x checkpoints");
        }
        SafeTensorsHeader h = header(unet);
        List<Layer> layers = new ArrayList<>();
        UnetConfig unetConfig = UnetConfig.read(config);
        int lpb = unetConfig != null ? unetConfig.layersPerBlock() : 2;
        for (SafeTensorsHeader.Entry e : h.entries()) {
            Matcher m = DIFFUSERS.matcher(e.name());
            if (!m.matches()) continue;
            AttentionSite site = AttentionSite.parse(e.name()).orElseThrow(() -> new CorruptFileException(unet + ": " + e.name()
                    + " is not where an SD v1.x UNet has a cross-attention"));
            layers.add(layer(unet, e.name(), site.compvisPath(lpb) + "." + m.group(1) + ".weight", e));
        }
        return new Checkpoint(dir, unet, false, h, sorted(unet, layers, "…attn2.to_k.weight"));
    }

    private static Layer layer(Path file, String diffusers, String compvis, SafeTensorsHeader.Entry e) {
        DType dtype = DType.ofSafetensors(e.dtype());
        if (dtype == null) throw new CorruptFileException(file + ": " + e.name() + " has dtype " + e.dtype() + " (erasekit reads F32, F16, BF16)");
        if (e.shape().length != 2) throw new CorruptFileException(file + ": " + e.name() + " is not a matrix");
        return new Layer(diffusers, compvis, e, dtype);
    }

    /** UCE's reference order (every to_v, then every to_k), with the file's K/V checked complete and of one width. */
    private static List<Layer> sorted(Path file, List<Layer> layers, String example) {
        if (layers.isEmpty()) throw new InvalidInputException(file + " is not an SD v1.x checkpoint: it has no " + example);
        List<Layer> out = new ArrayList<>();
        for (String p : List.of("to_v", "to_k")) {
            layers.stream().filter(l -> l.diffusersName().endsWith("." + p + ".weight"))
                    .sorted(Comparator.comparing(l -> AttentionSite.parse(l.diffusersName()).orElseThrow(), AttentionSite.REFERENCE_ORDER))
                    .forEach(out::add);
        }
        long k = out.stream().filter(l -> l.diffusersName().endsWith(".to_k.weight")).count();
        if (2 * k != out.size()) {
            throw new CorruptFileException(file + " is missing keys: it has " + k + " attn2 to_k but " + (out.size() - k) + " to_v matrices");
        }
        int width = out.getFirst().in();
        for (Layer l : out) {
            if (l.in() != width) throw new CorruptFileException(file + ": " + l.entry().name() + " takes width " + l.in() + ", not " + width);
        }
        return out;
    }

    /** SD 2.x (OpenCLIP, linear proj_in) and SDXL (conditioner) checkpoints are refused. */
    private static void family(Path file, SafeTensorsHeader h) {
        for (SafeTensorsHeader.Entry e : h.entries()) {
            String n = e.name();
            if (n.startsWith("conditioner.embedders.")) throw new InvalidInputException(file + " is an SDXL checkpoint; erasekit reads SD v1.x");
            if (n.startsWith("cond_stage_model.model.") || n.endsWith(".1.proj_in.weight") && n.startsWith(UNET_PREFIX) && e.shape().length == 2) {
                throw new InvalidInputException(file + " is an SD 2.x checkpoint (OpenCLIP text encoder, linear projections); erasekit reads SD v1.x");
            }
        }
    }

    /** The first downsampler's input block index is layers_per_block + 1 (SD v1.x: 3). */
    private static int layersPerBlock(SafeTensorsHeader h) {
        int first = Integer.MAX_VALUE;
        for (SafeTensorsHeader.Entry e : h.entries()) {
            Matcher m = DOWNSAMPLER.matcher(e.name());
            if (m.matches()) first = Math.min(first, Integer.parseInt(m.group(1)));
        }
        return first == Integer.MAX_VALUE ? 2 : first - 1;
    }

    private static SafeTensorsHeader header(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return SafeTensorsHeader.read(file, ch);
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint as given (file or folder). */
    public Path path() {
        return path;
    }

    /** The safetensors file holding the UNet (the checkpoint itself for a single file). */
    public Path unetFile() {
        return unetFile;
    }

    /** Whether this is a single-file checkpoint (CompVis keys) rather than a diffusers folder. */
    public boolean singleFile() {
        return singleFile;
    }

    /** The UNet file's header. */
    public SafeTensorsHeader header() {
        return header;
    }

    /** The K/V matrices in reference order. */
    public List<Layer> layers() {
        return layers;
    }

    /** The text width the K/V matrices take. */
    public int textWidth() {
        return layers.getFirst().in();
    }

    /** The layer with this diffusers name, if the checkpoint has it. */
    public Optional<Layer> layer(String diffusersName) {
        return layers.stream().filter(l -> l.diffusersName().equals(diffusersName)).findFirst();
    }

    /** Reads every K/V matrix, in reference order, as fp32 values in PyTorch layout. */
    public List<LayerWeights> readWeights() {
        List<LayerWeights> out = new ArrayList<>();
        for (Layer l : layers) {
            FloatMatrix w = new FloatMatrix(l.out(), l.in(), floats(unetFile, header, l.entry()));
            if (w.firstNonFinite() >= 0) throw new CorruptFileException(unetFile + ": " + l.entry().name() + " holds a non-finite value; refusing it");
            out.add(new LayerWeights(l.diffusersName(), w, l.dtype()));
        }
        return out;
    }

    /** One float tensor of a safetensors file, as fp32. */
    static float[] floats(Path file, SafeTensorsHeader h, SafeTensorsHeader.Entry e) {
        DType dtype = DType.ofSafetensors(e.dtype());
        if (dtype == null) throw new CorruptFileException(file + ": " + e.name() + " has dtype " + e.dtype() + " (erasekit reads F32, F16, BF16)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(e.bytes())).order(ByteOrder.LITTLE_ENDIAN);
            long at = h.dataStart() + e.begin();
            while (b.hasRemaining()) {
                if (ch.read(b, at + b.position()) < 0) throw new IOException("unexpected end of file");
            }
            b.flip();
            float[] v = new float[Math.toIntExact(e.count())];
            if (dtype == DType.FP32) b.asFloatBuffer().get(v);
            else for (int i = 0; i < v.length; i++) v[i] = dtype.get(b, i);
            return v;
        } catch (IOException x) {
            throw new CorruptFileException("cannot read " + file + ": " + x.getMessage(), x);
        }
    }

    /** A text-encoder tensor the checkpoint carries, under the name the ONNX export gives it ({@code text_model.…}). */
    public record TextTensor(String onnxName, Path file, SafeTensorsHeader header, SafeTensorsHeader.Entry entry) {
        /** Its values, as fp32. */
        public float[] values() {
            return floats(file, header, entry);
        }
    }

    /** The text encoder's tensors in the checkpoint (none when it carries no text encoder). */
    public List<TextTensor> textEncoderTensors() {
        List<TextTensor> out = new ArrayList<>();
        if (singleFile) {
            String prefix = "cond_stage_model.transformer.";
            for (SafeTensorsHeader.Entry e : header.entries()) {
                if (e.name().startsWith(prefix + "text_model.")) out.add(new TextTensor(e.name().substring(prefix.length()), path, header, e));
            }
            return out;
        }
        for (String name : List.of("text_encoder/model.safetensors", "text_encoder/model.fp16.safetensors")) {
            Path f = path.resolve(name);
            if (!Files.exists(f)) continue;
            SafeTensorsHeader h = header(f);
            for (SafeTensorsHeader.Entry e : h.entries()) if (e.name().startsWith("text_model.")) out.add(new TextTensor(e.name(), f, h, e));
            return out;
        }
        return out;
    }

    /** The K/V fingerprint ({@link StableDiffusionModel#fingerprintOf}), computed once. */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            synchronized (this) {
                if (fingerprint == null) fingerprint = StableDiffusionModel.fingerprintOf(readWeights());
                f = fingerprint;
            }
        }
        return f;
    }

    /** diffusers key → CompVis key of every K/V layer. */
    public Map<String, String> compvisNames() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (Layer l : layers) m.put(l.diffusersName(), l.compvisName());
        return m;
    }
}
