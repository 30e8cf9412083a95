package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edit files: tensor names per key style, [out, in] layout, metadata, and M round-trip exactly. */
class EditFileTest {
    @Test
    void roundTripsInBothKeyStyles(@TempDir Path tmp) throws Exception {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySd());
        Edit edit;
        try (Eraser eraser = Eraser.open(Fixtures.tinySd(), "java", tmp.resolve("cache"))) {
            edit = eraser.erase(Eraser.Request.uce(List.of("nudity", "naked woman"), List.of(" "), List.of("a photo of a cat"),
                    UceSettings.DEFAULTS)).edit();
        }
        for (EditFile.KeyStyle style : EditFile.KeyStyle.values()) {
            Path f = tmp.resolve(style + ".safetensors");
            EditFile.write(f, edit, style, model.layers(), "9.9");
            SafeTensors.Contents raw = SafeTensors.read(f);
            String first = raw.tensors().getFirst().name();
            assertEquals(style == EditFile.KeyStyle.DIFFUSERS
                    ? "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight"
                    : "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_v.weight", first);
            assertArrayEquals(new long[] {32, 32}, raw.tensors().getFirst().shape());
            var meta = raw.metadata();
            assertEquals("uce", meta.get("method"));
            assertEquals("9.9", meta.get("erasekit_version"));
            assertEquals(model.fingerprint(), meta.get("base_fingerprint"));
            var params = new ObjectMapper().readTree(meta.get("parameters"));
            assertEquals(0.5, params.get("lambda").asDouble());
            assertEquals(0.5, params.get("preserve_scale").asDouble(), "max(0.1, 1/2) for [\"\", cat]");
            assertEquals(List.of("nudity", "naked woman"), new ObjectMapper().readValue(meta.get("concepts"), List.class));
            Edit back = EditFile.read(f);
            assertArrayEquals(edit.sharedFactor().orElseThrow(), back.sharedFactor().orElseThrow(), "M, bit for bit");
            for (int i = 0; i < edit.layers().size(); i++) {
                assertEquals(edit.layers().get(i).name(), back.layers().get(i).name());
                assertArrayEquals(edit.layers().get(i).w().data(), back.layers().get(i).w().data());
            }
        }
        assertTrue(edit.sharedFactor().get().length == 32 * 32);
    }
}
