package dev.erasekit.diffusion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.edit.Edit;
import dev.erasekit.edit.Eraser;
import dev.erasekit.edit.UceSettings;
import dev.erasekit.io.Npy;
import dev.erasekit.linalg.Dense;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The txt2img pipeline against diffusers' own runs on tiny-sd ("a photo of a cat", "" negative,
 * 10 steps, guidance 7.5, the reference's initial latents): final latents and the decoded image
 * within 1e-3 relative, for each scheduler the reference has. And an edit applied as weights or as
 * the embedding transform gives the same generation (≤ 1e-4).
 */
class PipelineFidelityTest {
    private static final Path REF = Fixtures.path("tiny-sd/reference");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pndm", "ddim", "euler"})
    void matchesDiffusers(String scheduler, @TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySd());
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        try (Txt2Img pipe = new Txt2Img(model, tmp, null, Txt2Img.EditMode.WEIGHTS)) {
            Txt2Img.Result r = pipe.generate(new Txt2Img.Request("a photo of a cat", "", 0, 10, 7.5, scheduler, 16, 16, init), null);
            float[] want = Npy.read(REF.resolve("pipeline_" + scheduler + "_final_latents.npy")).floats();
            double e = Dense.relativeError(r.latents(), want);
            assertTrue(e <= 1e-3, scheduler + ": final latents relative error " + e);
            float[] nhwc = Npy.read(REF.resolve("pipeline_" + scheduler + "_image.npy")).floats();
            float[] chw = new float[nhwc.length];
            int plane = r.imageWidth() * r.imageHeight();
            for (int p = 0; p < plane; p++) for (int c = 0; c < 3; c++) chw[c * plane + p] = nhwc[p * 3 + c];
            double ei = Dense.relativeError(r.image(), chw);
            assertTrue(ei <= 1e-3, scheduler + ": image relative error " + ei);
        }
    }

    @Test
    void editAsWeightsEqualsEditAsEmbeddingTransform(@TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySd());
        Edit edit;
        try (Eraser eraser = Eraser.open(Fixtures.tinySd(), "openblas", tmp)) {
            edit = eraser.erase(Eraser.Request.uce(List.of("cat"), List.of("dog"), List.of(), UceSettings.DEFAULTS)).edit();
        }
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        var req = new Txt2Img.Request("a photo of a cat", "", 0, 10, 7.5, "pndm", 16, 16, init);
        float[] weights, embedding, base;
        try (Txt2Img p = new Txt2Img(model, tmp, edit, Txt2Img.EditMode.WEIGHTS)) {
            weights = p.generate(req, null).latents();
        }
        try (Txt2Img p = new Txt2Img(model, tmp, edit, Txt2Img.EditMode.EMBEDDING)) {
            embedding = p.generate(req, null).latents();
        }
        try (Txt2Img p = new Txt2Img(model, tmp, null, Txt2Img.EditMode.WEIGHTS)) {
            base = p.generate(req, null).latents();
        }
        double e = Dense.relativeError(embedding, weights);
        assertTrue(e <= 1e-4, "weights vs embedding mode: " + e);
        assertTrue(Dense.relativeError(weights, base) > 1e-3, "the edit changes the generation");
    }
}
