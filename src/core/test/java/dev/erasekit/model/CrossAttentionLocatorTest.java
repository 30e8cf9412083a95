package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.Npy;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layer discovery against the fixtures' CROSS_ATTENTION_MAP.json oracle (never read by the code):
 * same initializers, names, shapes, reference order; weights equal the published originals.
 */
class CrossAttentionLocatorTest {
    static Stream<Path> models() {
        return Stream.of(Fixtures.tinySd(), Fixtures.tinySdExternal(), Fixtures.tinySdWide());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void matchesTheOracleMap(Path dir) throws IOException {
        StableDiffusionModel model = StableDiffusionModel.open(dir);
        JsonNode oracle = new ObjectMapper().readTree(dir.resolve("CROSS_ATTENTION_MAP.json").toFile());
        assertEquals(oracle.size(), model.layers().size());
        Map<String, JsonNode> byName = new HashMap<>();
        oracle.forEach(e -> byName.put(e.get("diffusers_name").asText(), e));
        for (int i = 0; i < model.layers().size(); i++) {
            CrossAttentionLayer l = model.layers().get(i);
            JsonNode want = byName.get(l.diffusersName());
            assertTrue(want != null, "unexpected layer " + l.diffusersName());
            assertEquals(want.get("uce_index").asInt(), i, "reference order of " + l.diffusersName());
            assertEquals(want.get("onnx_initializer").asText(), l.initializer());
            assertEquals(want.get("onnx_node").asText(), l.node());
            assertEquals(want.get("transposed").asBoolean(), l.transposed());
            assertEquals(want.get("shape_in_diffusers").get(0).asInt(), l.out());
            assertEquals(want.get("shape_in_diffusers").get(1).asInt(), l.in());
            if (want.has("external_data")) {
                assertTrue(l.location().contains("model.onnx_data @ " + want.get("external_data").get("offset").asLong()),
                        l.location());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void readsTheOriginalWeights(Path dir) {
        StableDiffusionModel model = StableDiffusionModel.open(dir);
        Path reference = dir.getParent().resolve("reference/edits/original");
        List<LayerWeights> weights = model.readWeights();
        for (LayerWeights w : weights) {
            float[] want = Npy.read(reference.resolve(w.name() + ".npy")).floats();
            assertArrayEquals(want, w.w().data(), w.name());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void compvisNamesFollowTheOriginalCheckpoint(Path dir) {
        StableDiffusionModel model = StableDiffusionModel.open(dir);
        Map<String, String> names = new HashMap<>();
        model.layers().forEach(l -> names.put(l.diffusersName(), l.compvisName()));
        // layers_per_block = 1 here: input_blocks 1, 3; output_blocks 3, 4 (up_blocks.1) and 5, 6 (up_blocks.2)
        assertEquals("model.diffusion_model.input_blocks.3.1.transformer_blocks.0.attn2.to_k.weight",
                names.get("down_blocks.1.attentions.0.transformer_blocks.0.attn2.to_k.weight"));
        assertEquals("model.diffusion_model.middle_block.1.transformer_blocks.0.attn2.to_v.weight",
                names.get("mid_block.attentions.0.transformer_blocks.0.attn2.to_v.weight"));
        assertEquals("model.diffusion_model.output_blocks.5.1.transformer_blocks.0.attn2.to_v.weight",
                names.get("up_blocks.2.attentions.1.transformer_blocks.0.attn2.to_v.weight"));
    }
}
