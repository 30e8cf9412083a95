package dev.erasekit.diffusion;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.EditMode;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.GenerateRequest;
import dev.erasekit.Sampler;
import dev.erasekit.TestEngines;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.Npy;
import dev.erasekit.linalg.Dense;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import java.nio.file.Path;
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
        try (Txt2Img pipe = Txt2Img.open(model, tmp, null, null, OrtOptions::cpu, Warnings.DEBUG_LOG)) {
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
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        float[] weights, embedding, base;
        try (Engine engine = TestEngines.open(Fixtures.tinySd(), Backend.OPENBLAS, tmp)) {
            Edit edit = engine.erase(EraseRequest.builder().concept("cat").target("dog").build()).edit();
            GenerateRequest.Builder req = GenerateRequest.builder("a photo of a cat").steps(10).sampler(Sampler.PNDM).size(16, 16)
                    .latents(init);
            weights = engine.generate(req.edit(edit).editMode(EditMode.WEIGHTS).build()).latents();
            embedding = engine.generate(req.edit(edit).editMode(EditMode.EMBEDDING).build()).latents();
            base = engine.generate(req.edit(null).editMode(EditMode.WEIGHTS).build()).latents();
        }
        double e = Dense.relativeError(embedding, weights);
        assertTrue(e <= 1e-4, "weights vs embedding mode: " + e);
        assertTrue(Dense.relativeError(weights, base) > 1e-3, "the edit changes the generation");
    }
}
