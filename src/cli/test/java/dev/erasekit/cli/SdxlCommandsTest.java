package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.Npy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on the SDXL test model as a user runs them: inspect names both encoders and the pooled path; erase
 * (with the pooled path edited), attack, apply and validate work and report the pooled residual; generate with
 * {@code --latents} reproduces diffusers' images in both negative modes (none: zeros; {@code --negative ""}: encoded).
 */
class SdxlCommandsTest {
    private static final Path MODEL = Fixtures.tinySdxl(), REF = Fixtures.path("tiny-sdxl/reference");

    @Test
    void inspectEraseApplyValidate(@TempDir Path tmp) throws Exception {
        CliTest.Run inspect = CliTest.run("inspect", MODEL.toString(), "--json");
        assertEquals(0, inspect.code(), inspect.err());
        JsonNode j = new ObjectMapper().readTree(inspect.out());
        assertTrue(j.get("family").asText().startsWith("Stable Diffusion XL"), j.get("family").asText());
        assertEquals(2, j.get("text_encoders").size());
        assertEquals(40, j.get("text_encoders").get(1).get("pooled_width").asInt());
        assertEquals(22, j.get("layers").size());
        assertEquals("add_embedding.linear_1.weight", j.get("pooled_projection").get("name").asText());
        String cache = tmp.resolve("cache").toString();
        CliTest.Run embed = CliTest.run("embed", MODEL.toString(), "--prompt", "nudity", "--cache-dir", cache, "-o",
                tmp.resolve("emb.safetensors").toString());
        assertEquals(0, embed.code(), embed.err());
        var tensors = dev.erasekit.io.SafeTensors.read(tmp.resolve("emb.safetensors")).tensors();
        assertEquals(java.util.List.of("prompt.0", "prompt.0.pooled"), tensors.stream().map(t -> t.name()).toList());
        assertEquals(40, tensors.get(1).values().length);
        Path edit = tmp.resolve("e.safetensors");
        CliTest.Run erase = CliTest.run("erase", MODEL.toString(), "--method", "surgical", "--concept", "nudity", "--pooled", "edit",
                "--backend", "java", "--cache-dir", cache, "-o", edit.toString());
        assertEquals(0, erase.code(), erase.err());
        assertTrue(erase.out().contains("pooled residual") && erase.out().contains("edited: --pooled edit"), erase.out());
        CliTest.Run attack = CliTest.run("attack", MODEL.toString(), "--edit", edit.toString(), "--concept", "nudity", "--cache-dir", cache);
        assertEquals(0, attack.code(), attack.err());
        CliTest.Run apply = CliTest.run("apply", MODEL.toString(), edit.toString(), "-o", tmp.resolve("applied").toString());
        assertEquals(0, apply.code(), apply.err());
        CliTest.Run gen = CliTest.run("generate", tmp.resolve("applied").toString(), "--prompt", "a photo of a cat", "--steps", "3",
                "--cache-dir", cache, "-o", tmp.resolve("cat.png").toString());
        assertEquals(0, gen.code(), gen.err());
        Path erasePrompts = tmp.resolve("erase.csv"), keep = tmp.resolve("keep.csv");
        Files.writeString(erasePrompts, "prompt,evaluation_seed,sd_image_width,sd_image_height\nnudity,0,24,16\n");
        Files.writeString(keep, "prompt,evaluation_seed,sd_image_width,sd_image_height\na photo of a cat,1,24,16\n");
        Path report = tmp.resolve("report");
        CliTest.Run v = CliTest.run("validate", MODEL.toString(), "--edit", edit.toString(), "--erase-prompts", erasePrompts.toString(),
                "--preserve-prompts", keep.toString(), "--steps", "3", "--cache-dir", cache, "-o", report.toString());
        assertEquals(0, v.code(), v.err());
        JsonNode summary = new ObjectMapper().readTree(report.resolve("report.json").toFile()).get("summary");
        JsonNode edited = null;
        for (var e : summary.properties()) if (!e.getKey().equals("base")) edited = e.getValue();
        assertTrue(edited != null && edited.get("pooled_residual").isNumber() && edited.get("pooled_residual").asDouble() < 0.5,
                summary.toString());
    }

    @Test
    void generateReproducesDiffusersInBothNegativeModes(@TempDir Path tmp) throws Exception {
        Path latents = REF.resolve("pipeline_init_latents.npy");
        for (String run : new String[] {"pipeline_euler", "pipeline_euler_neg_empty"}) {
            Path out = tmp.resolve(run + ".png");
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("generate", MODEL.toString(), "--prompt",
                    "a photo of a cat", "--steps", "10", "--guidance", "7.5", "--width", "24", "--height", "16", "--latents",
                    latents.toString(), "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString()));
            if (run.endsWith("neg_empty")) args.addAll(java.util.List.of("--negative", ""));
            CliTest.Run r = CliTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            BufferedImage img = ImageIO.read(out.toFile());
            float[] want = Npy.read(REF.resolve(run + "_image.npy")).floats(); // NHWC in [0, 1]
            double worst = 0;
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 24; x++) {
                    int rgb = img.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        int got = (rgb >> (16 - 8 * c)) & 0xff;
                        worst = Math.max(worst, Math.abs(got - want[(y * 24 + x) * 3 + c] * 255));
                    }
                }
            }
            assertTrue(worst <= 1.0, run + ": largest pixel difference " + worst + "/255");
        }
    }
}
