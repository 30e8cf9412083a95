package dev.erasekit.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.erasekit.Fixtures;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.AttentionSite;
import dev.erasekit.model.UnetConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tensor names of every format for all 32 K/V layers of SD v1.x, against a table written out by hand
 * from the loaders' published conventions: kohya-ss sd-scripts (lora_unet_ + the diffusers module path with
 * '.'→'_'), A1111's Lora extension (convert_diffusers_name_to_compvis: down block B attention A → input block
 * 1 + 3B + A; up block B attention A → output block 3B + A; mid → middle_block.1), ComfyUI's
 * model_lora_keys_unet (lora_unet_ + the CompVis key without "diffusion_model." and ".weight"), and diffusers'
 * PEFT keys (unet. + module + .lora_A/.lora_B).
 */
class LoraKeysTest {
    /** diffusers attn2 module | CompVis attn2 module (model.diffusion_model. omitted), in SD v1.x's forward order. */
    private static final String TABLE = """
            down_blocks.0.attentions.0.transformer_blocks.0.attn2 | input_blocks.1.1.transformer_blocks.0.attn2
            down_blocks.0.attentions.1.transformer_blocks.0.attn2 | input_blocks.2.1.transformer_blocks.0.attn2
            down_blocks.1.attentions.0.transformer_blocks.0.attn2 | input_blocks.4.1.transformer_blocks.0.attn2
            down_blocks.1.attentions.1.transformer_blocks.0.attn2 | input_blocks.5.1.transformer_blocks.0.attn2
            down_blocks.2.attentions.0.transformer_blocks.0.attn2 | input_blocks.7.1.transformer_blocks.0.attn2
            down_blocks.2.attentions.1.transformer_blocks.0.attn2 | input_blocks.8.1.transformer_blocks.0.attn2
            mid_block.attentions.0.transformer_blocks.0.attn2     | middle_block.1.transformer_blocks.0.attn2
            up_blocks.1.attentions.0.transformer_blocks.0.attn2   | output_blocks.3.1.transformer_blocks.0.attn2
            up_blocks.1.attentions.1.transformer_blocks.0.attn2   | output_blocks.4.1.transformer_blocks.0.attn2
            up_blocks.1.attentions.2.transformer_blocks.0.attn2   | output_blocks.5.1.transformer_blocks.0.attn2
            up_blocks.2.attentions.0.transformer_blocks.0.attn2   | output_blocks.6.1.transformer_blocks.0.attn2
            up_blocks.2.attentions.1.transformer_blocks.0.attn2   | output_blocks.7.1.transformer_blocks.0.attn2
            up_blocks.2.attentions.2.transformer_blocks.0.attn2   | output_blocks.8.1.transformer_blocks.0.attn2
            up_blocks.3.attentions.0.transformer_blocks.0.attn2   | output_blocks.9.1.transformer_blocks.0.attn2
            up_blocks.3.attentions.1.transformer_blocks.0.attn2   | output_blocks.10.1.transformer_blocks.0.attn2
            up_blocks.3.attentions.2.transformer_blocks.0.attn2   | output_blocks.11.1.transformer_blocks.0.attn2
            """;

    /** Two examples spelled out whole, as the issue and the loaders' docs show them. */
    @Test
    void examplesFromTheLoaders() {
        assertEquals("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k",
                LoraKeys.kohya("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
        assertEquals("lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_k",
                LoraKeys.kohyaCompvis("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight"));
        assertEquals("unet.up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_v",
                LoraKeys.peft("up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_v.weight"));
    }

    /** The 32 layers the SD v1.4 UNet config implies get the table's names, in every format's file. */
    @Test
    void all32LayersOfSdV1(@TempDir Path tmp) {
        UnetConfig config = UnetConfig.read(Fixtures.path("sd-v1-4/unet_config.json"));
        List<AttentionSite> sites = config.forwardOrder();
        List<String[]> rows = TABLE.lines().map(l -> l.split("\\|")).map(p -> new String[] {p[0].trim(), p[1].trim()}).toList();
        assertEquals(16, sites.size());
        assertEquals(16, rows.size());
        List<LowRankDelta.Layer> layers = new ArrayList<>();
        Map<String, String> compvis = new HashMap<>();
        for (int i = 0; i < 16; i++) {
            AttentionSite s = sites.get(i);
            assertEquals(rows.get(i)[0], s.diffusersPath());
            assertEquals("model.diffusion_model." + rows.get(i)[1], s.compvisPath(config.layersPerBlock()));
            for (String p : List.of("to_k", "to_v")) {
                String key = s.diffusersPath() + "." + p + ".weight";
                compvis.put(key, s.compvisPath(config.layersPerBlock()) + "." + p + ".weight");
                layers.add(new LowRankDelta.Layer(key, 4, 3, 1, new double[] {1, 2, 3, 4}, new double[] {1, 0, 0}, new double[] {5}));
            }
        }
        assertEquals(32, layers.size());
        Map<DeltaFile.Layout, TreeSet<String>> expected = new HashMap<>();
        for (DeltaFile.Layout l : DeltaFile.Layout.values()) expected.put(l, new TreeSet<>());
        for (String[] r : rows) {
            for (String p : List.of("to_k", "to_v")) {
                String kohya = "lora_unet_" + r[0].replace('.', '_') + "_" + p, kohyaCv = "lora_unet_" + r[1].replace('.', '_') + "_" + p;
                for (String suffix : List.of(".lora_down.weight", ".lora_up.weight", ".alpha")) {
                    expected.get(DeltaFile.Layout.LORA).add(kohya + suffix);
                    expected.get(DeltaFile.Layout.LORA_COMPVIS).add(kohyaCv + suffix);
                }
                expected.get(DeltaFile.Layout.PEFT).add("unet." + r[0] + "." + p + ".lora_A.weight");
                expected.get(DeltaFile.Layout.PEFT).add("unet." + r[0] + "." + p + ".lora_B.weight");
                expected.get(DeltaFile.Layout.DIFF).add(kohya + ".diff");
            }
        }
        for (DeltaFile.Layout l : DeltaFile.Layout.values()) {
            Path f = tmp.resolve(l + ".safetensors");
            DeltaFile.write(f, l, layers, 1, compvis, Map.of(), false);
            TreeSet<String> names = new TreeSet<>();
            SafeTensors.read(f).stored().forEach(t -> names.add(t.name()));
            assertEquals(expected.get(l), names, l.toString());
        }
    }
}
