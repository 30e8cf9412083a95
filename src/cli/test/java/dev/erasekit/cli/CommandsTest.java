package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.SafeTensors;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model commands' happy paths, as a user runs them. */
class CommandsTest {
    @Test
    void inspectJson() throws Exception {
        CliTest.Run r = CliTest.run("inspect", Fixtures.tinySdWide().toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(128, j.get("text_width").asInt());
        assertEquals(14, j.get("layers").size());
        assertEquals("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_v.weight",
                j.get("layers").get(0).get("diffusers_name").asText());
        assertEquals(32, j.get("fingerprint").asText().length());
    }

    @Test
    void tokenizeJson() throws Exception {
        CliTest.Run r = CliTest.run("tokenize", Fixtures.tinySd().toString(), "nudity", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out()).get(0);
        assertEquals(1156, j.get("input_ids").get(1).asInt());
        assertEquals(2, j.get("last_word_index").asInt());
    }

    @Test
    void embedWritesOneTensorPerPrompt(@TempDir Path tmp) {
        Path out = tmp.resolve("e.safetensors");
        CliTest.Run r = CliTest.run("embed", Fixtures.tinySdWide().toString(), "--prompt", "a red circle", "--prompt", "",
                "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        SafeTensors.Contents c = SafeTensors.read(out);
        assertEquals(2, c.tensors().size());
        assertEquals(77, c.tensors().getFirst().shape()[0]);
        assertEquals(128, c.tensors().getFirst().shape()[1]);
        assertEquals("a red circle", c.metadata().get("prompt.0"));
        assertEquals(32, c.metadata().get("text_encoder_fingerprint").length());
    }

    @Test
    void generateWritesAPngWithParameters(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("cat.png");
        CliTest.Run r = CliTest.run("generate", Fixtures.tinySd().toString(), "--prompt", "a photo of a cat", "--steps", "4",
                "--scheduler", "dpm++2m", "--seed", "3", "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        var img = javax.imageio.ImageIO.read(out.toFile());
        assertEquals(16, img.getWidth());
        String params = dev.erasekit.io.Png.text(out).get("parameters");
        assertTrue(params.startsWith("a photo of a cat\nNegative prompt: \nSteps: 4, Sampler: dpm++2m"), params);
        assertTrue(params.contains("Seed: 3"), params);
        CliTest.Run gpu = CliTest.run("generate", Fixtures.tinySd().toString(), "--prompt", "x", "--device", "cuda", "-o",
                tmp.resolve("gpu.png").toString());
        assertEquals(5, gpu.code(), "native failure");
        assertTrue(gpu.err().contains("the cuda device needs ONNX Runtime's GPU build"), gpu.err());
        CliTest.Run bad = CliTest.run("generate", Fixtures.tinySd().toString(), "--prompt", "x", "--width", "20", "-o",
                tmp.resolve("bad.png").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("multiples of 8"), bad.err());
    }

    /** An edit that acts from half the UNet calls on: the parameters say so; a start outside [0, 1) is refused. */
    @Test
    void generateWithALateEdit(@TempDir Path tmp) throws Exception {
        Path edit = tmp.resolve("e.safetensors"), out = tmp.resolve("late.png"), cache = tmp.resolve("cache");
        assertEquals(0, CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "nudity", "--backend", "java", "--cache-dir",
                cache.toString(), "-o", edit.toString()).code());
        CliTest.Run r = CliTest.run("generate", Fixtures.tinySd().toString(), "--prompt", "nudity", "--steps", "4", "--edit",
                edit.toString(), "--edit-from", "0.5", "--cache-dir", cache.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        String params = dev.erasekit.io.Png.text(out).get("parameters");
        assertTrue(params.contains("(embedding), Edit from: 0.5"), params);
        CliTest.Run bad = CliTest.run("generate", Fixtures.tinySd().toString(), "--prompt", "x", "--edit", edit.toString(),
                "--edit-from", "1", "--cache-dir", cache.toString(), "-o", tmp.resolve("bad.png").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().strip().lines().count() == 1 && bad.err().contains("[0, 1)"), bad.err());
    }
}
