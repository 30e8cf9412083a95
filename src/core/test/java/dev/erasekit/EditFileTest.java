package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.io.BuildInfo;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Uce;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Edit files: tensor names per key style, [out, in] layout, metadata, the method record and M round-trip exactly. */
class EditFileTest {
    @Test
    void roundTripsInBothKeyStyles(@TempDir Path tmp) throws Exception {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySd());
        Edit edit;
        try (Engine engine = TestEngines.open(Fixtures.tinySd(), Backend.JAVA, tmp.resolve("cache"))) {
            edit = engine.erase(EraseRequest.builder().concept("nudity").concept("naked woman").target(" ").preserve("a photo of a cat")
                    .build()).edit();
        }
        for (KeyStyle style : KeyStyle.values()) {
            Path f = tmp.resolve(style + ".safetensors");
            edit.write(f, style);
            SafeTensors.Contents raw = SafeTensors.read(f);
            String first = raw.tensors().getFirst().name();
            assertEquals(style == KeyStyle.DIFFUSERS
                    ? "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight"
                    : "model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_v.weight", first);
            assertArrayEquals(new long[] {32, 32}, raw.tensors().getFirst().shape());
            var meta = raw.metadata();
            assertEquals("uce", meta.get("method"));
            assertEquals(EditFile.FORMAT, meta.get("format"));
            assertEquals(BuildInfo.version(), meta.get("erasekit_version"));
            assertEquals(model.fingerprint(), meta.get("base_fingerprint"));
            var params = new ObjectMapper().readTree(meta.get("method_parameters"));
            assertEquals(0.5, params.get("lambda").asDouble());
            var solve = new ObjectMapper().readTree(meta.get("solve"));
            assertEquals(0.5, solve.get("preserve_scale").asDouble(), "max(0.1, 1/2) for [\"\", cat]");
            assertEquals(List.of("nudity", "naked woman"), new ObjectMapper().readValue(meta.get("concepts"), List.class));
            Edit back = Edit.read(f);
            assertEquals(edit.method(), back.method(), "the method record round-trips");
            assertEquals(edit.targets(), back.targets());
            assertEquals(edit.preserves(), back.preserves());
            assertArrayEquals(edit.sharedFactor().orElseThrow(), back.sharedFactor().orElseThrow(), "M, bit for bit");
            assertEquals(edit.layerNames(), back.layerNames());
            for (int i = 0; i < edit.layers().size(); i++) {
                assertArrayEquals(edit.layers().get(i).w().data(), back.layers().get(i).w().data());
            }
            Path again = tmp.resolve(style + "-again.safetensors");
            back.write(again, style);
            assertArrayEquals(java.nio.file.Files.readAllBytes(f), java.nio.file.Files.readAllBytes(again), "read then written: same bytes");
        }
        assertTrue(edit.sharedFactor().get().length == 32 * 32);
    }

    @Test
    void methodRecordsSerialiseWithSnakeCaseKeys() throws Exception {
        Rece r = Rece.Preset.ARTIST.settings();
        String json = EditFile.json(r);
        assertTrue(json.contains("\"epoch_retain\"") && json.contains("\"uce_stage\""), json);
        assertEquals(r, EditFile.method("rece", EditFile.JSON.readTree(json)));
        assertEquals(Uce.DEFAULTS, EditFile.method("uce", EditFile.JSON.readTree(EditFile.json(Uce.DEFAULTS))));
    }
}
