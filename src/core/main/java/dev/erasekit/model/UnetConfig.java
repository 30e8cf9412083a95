package dev.erasekit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a diffusers {@code unet/config.json} that erasekit needs. A model without that file
 * (the CompVis {@code onnx} branch ships none) gets the geometry its graph shows — input channels and
 * sample size from the {@code sample} input, layers per block from the attention modules' names —
 * with {@code fromFile} false; nothing is assumed from SD v1.4.
 * Immutable; thread-safe.
 *
 * @param sampleSize     latent side the UNet was trained at, or 0 when neither the config nor the graph says
 * @param attentionHeads heads per down block (diffusers' {@code attention_head_dim}: an int for every
 *                       block, or a list); empty when unknown
 * @param fromFile       whether {@code unet/config.json} supplied these values
 * @param transformerDepth transformer blocks per attention module of each down block (diffusers'
 *                       {@code transformer_layers_per_block}: 1 in SD v1.x/2.x, [1, 2, 10] in SDXL); the mid
 *                       block takes the last, up block b the entry of down block n−1−b
 */
public record UnetConfig(int inChannels, int sampleSize, int crossAttentionDim, int layersPerBlock,
                         List<Integer> blockOutChannels, List<String> downBlockTypes, List<String> upBlockTypes,
                         String midBlockType, List<Integer> attentionHeads, boolean fromFile, List<Integer> transformerDepth) {

    /** SD v1.x's configuration (the real {@code unet/config.json}); for tests and synthetic problems. */
    public static final UnetConfig SD_V1 = new UnetConfig(4, 64, 768, 2, List.of(320, 640, 1280, 1280),
            List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            "UNetMidBlock2DCrossAttn", List.of(8, 8, 8, 8), true, List.of(1, 1, 1, 1));

    public UnetConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        attentionHeads = List.copyOf(attentionHeads);
        transformerDepth = List.copyOf(transformerDepth);
    }

    /** Reads {@code config.json}, or returns null when the model has none. */
    public static UnetConfig read(Path file) {
        if (!Files.exists(file)) return null;
        try {
            JsonNode j = new ObjectMapper().readTree(file.toFile());
            if (j == null || !j.isObject()) throw new CorruptFileException(file + " is not a JSON object");
            List<String> down = strings(j.path("down_block_types"), SD_V1.downBlockTypes);
            JsonNode heads = j.path("attention_head_dim");
            List<Integer> perBlock = new ArrayList<>();
            for (int b = 0; b < down.size(); b++) {
                perBlock.add(heads.isArray() ? heads.path(Math.min(b, heads.size() - 1)).asInt(8) : heads.asInt(8));
            }
            JsonNode depth = j.path("transformer_layers_per_block");
            List<Integer> depths = new ArrayList<>();
            for (int b = 0; b < down.size(); b++) {
                depths.add(depth.isArray() ? depth.path(Math.min(b, depth.size() - 1)).asInt(1) : depth.asInt(1));
            }
            UnetConfig c = new UnetConfig(j.path("in_channels").asInt(4), j.path("sample_size").asInt(0),
                    j.path("cross_attention_dim").asInt(0), j.path("layers_per_block").asInt(2),
                    ints(j.path("block_out_channels"), SD_V1.blockOutChannels), down,
                    strings(j.path("up_block_types"), SD_V1.upBlockTypes),
                    j.path("mid_block_type").asText(SD_V1.midBlockType), perBlock, true, depths);
            if (c.inChannels < 1 || c.sampleSize < 0 || c.layersPerBlock < 1 || perBlock.stream().anyMatch(h -> h < 1)
                    || depths.stream().anyMatch(d -> d < 1)) {
                throw new CorruptFileException(file + ": in_channels, layers_per_block, attention_head_dim and"
                        + " transformer_layers_per_block must be positive");
            }
            return c;
        } catch (IOException e) {
            throw new CorruptFileException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The geometry the UNet graph shows, for a model without {@code unet/config.json}: the named
     * attention modules give the blocks with cross-attention and the layers per block; the
     * {@code sample} input its channels and (when static) size; heads are estimated as out/40 (SD v1.x's
     * head width, the smallest in use: an over-estimate elsewhere, which only makes the memory check stricter).
     */
    static UnetConfig inferred(OnnxModel unet, List<CrossAttentionLayer> layers) {
        int lpb = 1, downBlocks = 0, upBlocks = 0;
        for (CrossAttentionLayer l : layers) {
            AttentionSite s = l.site();
            if (s.kind() == AttentionSite.Kind.DOWN) {
                lpb = Math.max(lpb, s.attention() + 1);
                downBlocks = Math.max(downBlocks, s.block() + 1);
            }
            if (s.kind() == AttentionSite.Kind.UP) upBlocks = Math.max(upBlocks, s.block() + 1);
        }
        List<String> down = new ArrayList<>(), up = new ArrayList<>();
        List<Integer> channels = new ArrayList<>(), heads = new ArrayList<>();
        for (int b = 0; b < downBlocks; b++) {
            int block = b;
            int out = layers.stream().filter(l -> l.site().kind() == AttentionSite.Kind.DOWN && l.site().block() == block)
                    .mapToInt(CrossAttentionLayer::out).findFirst().orElse(0);
            down.add(out > 0 ? "CrossAttnDownBlock2D" : "DownBlock2D");
            channels.add(out);
            heads.add(Math.max(1, out / 40));
        }
        for (int b = 0; b < upBlocks; b++) {
            int block = b;
            up.add(layers.stream().anyMatch(l -> l.site().kind() == AttentionSite.Kind.UP && l.site().block() == block)
                    ? "CrossAttnUpBlock2D" : "UpBlock2D");
        }
        boolean mid = layers.stream().anyMatch(l -> l.site().kind() == AttentionSite.Kind.MID);
        int[] sample = unet.inputDims("sample");
        int in = sample != null && sample.length == 4 && sample[1] > 0 ? sample[1] : 0;
        int size = sample != null && sample.length == 4 && sample[2] > 0 && sample[2] == sample[3] ? sample[2] : 0;
        List<Integer> depth = new ArrayList<>();
        for (int b = 0; b < downBlocks; b++) {
            int block = b;
            depth.add(1 + layers.stream().filter(l -> l.site().kind() == AttentionSite.Kind.DOWN && l.site().block() == block)
                    .mapToInt(l -> l.site().transformer()).max().orElse(0));
        }
        return new UnetConfig(in, size, layers.getFirst().in(), lpb, channels, down, up,
                mid ? "UNetMidBlock2DCrossAttn" : "", heads, false, depth);
    }

    /** Heads of down block b's attention (8, SD v1.x's, when unknown). */
    public int heads(int block) {
        return attentionHeads.isEmpty() ? 8 : attentionHeads.get(Math.min(block, attentionHeads.size() - 1));
    }

    /** Transformer blocks per attention module of down block b (1 when unknown). */
    public int depth(int block) {
        return transformerDepth.isEmpty() ? 1 : transformerDepth.get(Math.clamp(block, 0, transformerDepth.size() - 1));
    }

    /** attn2 modules in forward (graph) order: down blocks, mid block, up blocks. */
    public List<AttentionSite> forwardOrder() {
        List<AttentionSite> out = new ArrayList<>();
        for (int b = 0; b < downBlockTypes.size(); b++) {
            if (downBlockTypes.get(b).contains("CrossAttn")) {
                for (int a = 0; a < layersPerBlock; a++) {
                    for (int t = 0; t < depth(b); t++) out.add(new AttentionSite(AttentionSite.Kind.DOWN, b, a, t));
                }
            }
        }
        if (midBlockType.contains("CrossAttn")) {
            for (int t = 0; t < depth(downBlockTypes.size() - 1); t++) out.add(new AttentionSite(AttentionSite.Kind.MID, 0, 0, t));
        }
        for (int b = 0; b < upBlockTypes.size(); b++) {
            if (upBlockTypes.get(b).contains("CrossAttn")) {
                for (int a = 0; a <= layersPerBlock; a++) {
                    for (int t = 0; t < depth(upBlockTypes.size() - 1 - b); t++) out.add(new AttentionSite(AttentionSite.Kind.UP, b, a, t));
                }
            }
        }
        return out;
    }

    private static List<Integer> ints(JsonNode n, List<Integer> def) {
        if (!n.isArray()) return def;
        List<Integer> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asInt()));
        return out;
    }

    private static List<String> strings(JsonNode n, List<String> def) {
        if (!n.isArray()) return def;
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
