package dev.erasekit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.ErasekitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The parts of a diffusers {@code unet/config.json} that erasekit needs (defaults: SD v1.x). */
public record UnetConfig(int inChannels, int sampleSize, int crossAttentionDim, int layersPerBlock,
                         List<Integer> blockOutChannels, List<String> downBlockTypes, List<String> upBlockTypes,
                         String midBlockType) {

    static final UnetConfig SD_V1 = new UnetConfig(4, 64, 768, 2, List.of(320, 640, 1280, 1280),
            List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
            List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
            "UNetMidBlock2DCrossAttn");

    /** Reads {@code config.json}; a missing file means SD v1.x defaults. */
    public static UnetConfig read(Path file) {
        if (!Files.exists(file)) return SD_V1;
        try {
            JsonNode j = new ObjectMapper().readTree(file.toFile());
            return new UnetConfig(j.path("in_channels").asInt(SD_V1.inChannels), j.path("sample_size").asInt(SD_V1.sampleSize),
                    j.path("cross_attention_dim").asInt(SD_V1.crossAttentionDim),
                    j.path("layers_per_block").asInt(SD_V1.layersPerBlock),
                    ints(j.path("block_out_channels"), SD_V1.blockOutChannels),
                    strings(j.path("down_block_types"), SD_V1.downBlockTypes),
                    strings(j.path("up_block_types"), SD_V1.upBlockTypes),
                    j.path("mid_block_type").asText(SD_V1.midBlockType));
        } catch (IOException e) {
            throw new ErasekitException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** attn2 modules in forward (graph) order: down blocks, mid block, up blocks. */
    public List<AttentionSite> forwardOrder() {
        List<AttentionSite> out = new ArrayList<>();
        for (int b = 0; b < downBlockTypes.size(); b++) {
            if (downBlockTypes.get(b).contains("CrossAttn")) {
                for (int a = 0; a < layersPerBlock; a++) out.add(new AttentionSite(AttentionSite.Kind.DOWN, b, a, 0));
            }
        }
        if (midBlockType.contains("CrossAttn")) out.add(new AttentionSite(AttentionSite.Kind.MID, 0, 0, 0));
        for (int b = 0; b < upBlockTypes.size(); b++) {
            if (upBlockTypes.get(b).contains("CrossAttn")) {
                for (int a = 0; a <= layersPerBlock; a++) out.add(new AttentionSite(AttentionSite.Kind.UP, b, a, 0));
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
