package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** CompVis names at SD v1.4's own layout (layers_per_block 2, docs/methods.md §1). */
class AttentionSiteTest {
    private static String compvis(String diffusersPath) {
        return AttentionSite.parse(diffusersPath).orElseThrow().compvisPath(2);
    }

    @Test
    void sd14Mapping() {
        assertEquals("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2",
                compvis("down_blocks.0.attentions.0.transformer_blocks.0.attn2"));
        assertEquals("model.diffusion_model.input_blocks.8.1.transformer_blocks.0.attn2",
                compvis("down_blocks.2.attentions.1.transformer_blocks.0.attn2"));
        assertEquals("model.diffusion_model.output_blocks.3.1.transformer_blocks.0.attn2",
                compvis("/up_blocks.1/attentions.0/transformer_blocks.0/attn2/to_k/MatMul"));
        assertEquals("model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2",
                compvis("up_blocks.3.attentions.2.transformer_blocks.0.attn2"));
        assertEquals("model.diffusion_model.middle_block.1.transformer_blocks.0.attn2",
                compvis("mid_block.attentions.0.transformer_blocks.0.attn2"));
    }

    @Test
    void sd14HasSixteenAttentionModules() {
        assertEquals(16, UnetConfig.SD_V1.forwardOrder().size());
    }
}
