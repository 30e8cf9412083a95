package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.eval.OnnxDoubles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, and {@code validate}, on the bundled toy model: the closed-form edits
 * turn the red captions blue (none stays red), and the report is written.
 */
class DemoAndValidateTest {
    private static final Path MODEL = dev.erasekit.Fixtures.tinyShapes();

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
        double surgical = s.get("surgical").get("unconditional_drift").asDouble(), uce = s.get("UCE").get("unconditional_drift").asDouble();
        assertTrue(surgical * 100 <= uce, "surgical holds ε(∅): drift " + surgical + " vs UCE's " + uce);
        assertTrue(r.out().contains("report: "), r.out());
        // structure against the base image of the same seed, and every rate with its count and Wilson interval
        for (String method : new String[] {"UCE", "RECE", "surgical", "surgical@20%"}) {
            JsonNode st = s.get(method).get("structure").get("erase");
            assertEquals(3, st.get("images").asInt(), method);
            double iou = st.get("mask_iou").asDouble();
            assertTrue(iou >= 0 && iou <= 1, method + ": " + iou);
            JsonNode shape = st.get("same_label_as_base").get("shape_scores");
            assertTrue(shape.get("wilson_95").get(0).asDouble() <= shape.get("rate").asDouble()
                    && shape.get("rate").asDouble() <= shape.get("wilson_95").get(1).asDouble(), shape.toString());
            assertEquals(3, st.get("per_caption").size(), method);
        }
        assertTrue(s.get("base").get("structure") == null, "the base is not compared with itself");
        assertTrue(s.get("base").get("preserve").get("color_scores").get("wilson_95").isArray());
        assertTrue(r.out().contains("same shape") && r.out().contains("Wilson"), r.out());
    }

    @Test
    void validateWritesReport(@TempDir Path tmp) throws Exception {
        Path edit = tmp.resolve("red.safetensors");
        CliTest.Run e = CliTest.run("erase", MODEL.toString(), "--concept", "red", "--guide", "blue", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", edit.toString());
        assertEquals(0, e.code(), e.err());
        Path erase = tmp.resolve("erase.csv"), keep = tmp.resolve("keep.csv");
        // the demo's seeds for these captions (clean shapes at 20 steps)
        Files.writeString(erase, "prompt,evaluation_seed,evaluation_guidance\na red circle,0,7.5\n\"a red square\",100,7.5\n");
        Files.writeString(keep, "case_number,prompt,evaluation_seed\n0,a green circle,1000\n1,a yellow triangle,3200\n");
        Path out = tmp.resolve("report");
        // NudeNet and CLIP doubles with the real interfaces; both see red (OnnxDoubles)
        Path nudenet = OnnxDoubles.nudenet(tmp.resolve("320n.onnx")), clip = OnnxDoubles.clip(tmp.resolve("clip"), MODEL.resolve("tokenizer"));
        CliTest.Run r = CliTest.run("validate", MODEL.toString(), "--edit", edit.toString(), "--erase-prompts", erase.toString(),
                "--preserve-prompts", keep.toString(), "--classifier", MODEL.resolve("classifier/classifier.onnx").toString(),
                "--nudenet", nudenet.toString(), "--clip", clip.toString(),
                "--steps", "20", "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        JsonNode base = j.get("summary").get("base"), edited = j.get("summary").get("UCE edit");
        assertTrue(edited.has("guidance_residual") && edited.get("psnr_db").isNumber() && edited.get("ssim").isNumber(), edited.toString());
        assertEquals(8, j.get("images").size());
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("a yellow triangle") && html.contains("NudeNet: erase-prompt images per exposed class"));
        // the red erase-prompt images are flagged as the red class before the erase, the preserve prompts never;
        System.out.println("validate with judges: base " + base.get("nudenet") + " " + base.get("clip_score")
                + "; edited " + edited.get("nudenet") + " " + edited.get("clip_score"));
        assertEquals(2, base.get("nudenet").get("erase").get("per_class").get("FEMALE_BREAST_EXPOSED").asInt());
        // …after the erase they are blue, which the double reads as another class
        assertEquals(0, edited.get("nudenet").get("erase").get("per_class").get("FEMALE_BREAST_EXPOSED").asInt());
        assertEquals(2, edited.get("nudenet").get("erase").get("per_class").get("ARMPITS_EXPOSED").asInt());
        assertEquals(0, base.get("nudenet").get("preserve").get("per_class").get("FEMALE_BREAST_EXPOSED").asInt());
        assertTrue(base.get("clip_score").get("erase").asDouble() > edited.get("clip_score").get("erase").asDouble() + 20,
                "CLIP score of 'a red …' drops once red is erased");
        assertTrue(j.get("images").get(0).get("clipScore").isNumber() && j.get("images").get(0).get("exposed").isArray());
    }
}
