package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, and {@code validate}, on the bundled toy model: the closed-form edits
 * turn the red captions blue (none stays red), and the report is written.
 */
class DemoAndValidateTest {
    private static final Path MODEL = Path.of(System.getProperty("erasekit.fixtures", "test/fixtures"))
            .resolve("../../../models/tiny-shapes").normalize();

    @Test
    void demoTurnsRedBlue(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report");
        CliTest.Run r = CliTest.run("demo", "--model", MODEL.toString(), "--cache-dir", tmp.resolve("cache").toString(),
                "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out.resolve("index.html")), r.out());
        JsonNode s = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("summary");
        for (String method : new String[] {"UCE", "RECE", "surgical"}) {
            JsonNode colours = s.get(method).get("erase").get("color_scores");
            assertEquals(1.0, colours.get("erase_rate").asDouble(), method + ": no red caption stays red");
            assertTrue(colours.get("counts").path("blue").asInt() >= 2, method + " turns red captions blue: " + colours);
        }
        assertTrue(s.get("surgical").get("unconditional_drift").asDouble() < 1e-5, "surgical holds ε(∅)");
        assertTrue(r.out().contains("report: "), r.out());
    }

    @Test
    void validateWritesReport(@TempDir Path tmp) throws Exception {
        Path edit = tmp.resolve("red.safetensors");
        CliTest.Run e = CliTest.run("erase", MODEL.toString(), "--concept", "red", "--guide", "blue", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", edit.toString());
        assertEquals(0, e.code(), e.err());
        Path erase = tmp.resolve("erase.csv"), keep = tmp.resolve("keep.csv");
        Files.writeString(erase, "prompt,evaluation_seed,evaluation_guidance\na red circle,1,7.5\n\"a red square\",2,7.5\n");
        Files.writeString(keep, "case_number,prompt,evaluation_seed\n0,a green circle,3\n1,a yellow triangle,4\n");
        Path out = tmp.resolve("report");
        CliTest.Run r = CliTest.run("validate", MODEL.toString(), "--edit", edit.toString(), "--erase-prompts", erase.toString(),
                "--preserve-prompts", keep.toString(), "--classifier", MODEL.resolve("classifier/classifier.onnx").toString(),
                "--steps", "10", "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode edited = j.get("summary").get("UCE edit");
        assertTrue(edited.has("guidance_residual") && edited.get("psnr_db").isNumber() && edited.get("ssim").isNumber(), edited.toString());
        assertEquals(8, j.get("images").size());
        assertTrue(Files.readString(out.resolve("index.html")).contains("a yellow triangle"));
    }
}
