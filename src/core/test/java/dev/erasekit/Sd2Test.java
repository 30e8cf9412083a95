package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.Npy;
import dev.erasekit.linalg.Dense;
import dev.erasekit.method.Uce;
import dev.erasekit.model.ModelFamily;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.ClipTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD 2.x (epsilon) on tiny-sd2, against the diffusers v0.20.2 references built with it (fixture README):
 * the tokenizer pads with "!" (id 0), the UCE edit with the 2023 script's rows matches the float64
 * reference, and the PNDM pipeline reproduces diffusers' final latents and image.
 */
class Sd2Test {
    private static final Path REF = Fixtures.path("tiny-sd2/reference");

    @Test
    void isSd2AndPadsWithExclamationMark() {
        StableDiffusionModel m = StableDiffusionModel.open(Fixtures.tinySd2());
        assertEquals(ModelFamily.Family.SD2, m.family().family(), m.family().describe());
        ClipTokenizer tok = ClipTokenizer.load(m.tokenizerDir());
        assertEquals(0, tok.padId());
        long[] want = Npy.read(REF.resolve("token_ids.npy")).longs();
        List<String> prompts = List.of("", " ", "nudity", "a photo of a cat", "Van Gogh", "dry brushing");
        for (int p = 0; p < prompts.size(); p++) {
            int[] expected = Arrays.stream(want, p * 77, (p + 1) * 77).mapToInt(x -> (int) x).toArray();
            assertArrayEquals(expected, tok.encode(prompts.get(p)).ids(), prompts.get(p));
        }
        assertEquals(14, m.layers().size());
    }

    @Test
    void uceMatchesTheReferenceWithThe2023Rows(@TempDir Path tmp) {
        Edit edit;
        try (Engine e = TestEngines.open(Fixtures.tinySd2(), Backend.JAVA, tmp.resolve("cache"))) {
            edit = e.erase(EraseRequest.builder().method(new Uce(0.5, 1.0, 1.0)).concept("nudity").target(" ").build()).edit();
        }
        double worst = 0;
        for (LayerWeights w : edit.overrides().layers()) {
            float[] want = Npy.read(REF.resolve("edits/uce_2023rows/" + w.name() + ".npy")).floats();
            worst = Math.max(worst, Dense.relativeError(w.w().data(), want));
        }
        System.out.printf("tiny-sd2 UCE (2023 rows) vs the float64 reference: %.2e%n", worst);
        assertTrue(worst <= 1e-5, "relative error " + worst);
    }

    /** The 2025 rewrite's rows: one per prompt, at its last word token; its float64 reference (uce_rewrite2025). */
    @Test
    void uceMatchesTheReferenceWithThe2025Rows(@TempDir Path tmp) {
        Edit edit;
        try (Engine e = TestEngines.open(Fixtures.tinySd2(), Backend.JAVA, tmp.resolve("cache"))) {
            edit = e.erase(EraseRequest.builder().method(new Uce(0.5, 1.0, 1.0, Uce.Rows.Y2025)).concept("nudity").target(" ").build())
                    .edit();
        }
        double worst = 0;
        for (LayerWeights w : edit.overrides().layers()) {
            float[] want = Npy.read(REF.resolve("edits/uce_rewrite2025/" + w.name() + ".npy")).floats();
            worst = Math.max(worst, Dense.relativeError(w.w().data(), want));
        }
        System.out.printf("tiny-sd2 UCE (2025 rows) vs the float64 reference: %.2e%n", worst);
        assertTrue(worst <= 1e-5, "relative error " + worst);
        assertEquals(1, ((Number) edit.solveInfo().get("rank")).intValue(), "one erase row: a rank-1 edit");
    }

    /**
     * SD 2.1 768-v's scheduler (DDIM, v_prediction) on the same UNet: the reference's ddim_vpred run; and Euler and
     * DPM-Solver++ 2M with v_prediction, built afresh from those betas (diffusers' linspace default), whose runs
     * {@code tools/fixtures/sd2_vpred_references.py} made on the rebuilt fixture model.
     */
    @Test
    void vPredictionSchedulersMatchDiffusers(@TempDir Path tmp) throws Exception {
        Path src = Fixtures.tinySd2(), dir = tmp.resolve("v");
        for (String part : List.of("unet", "text_encoder", "tokenizer", "vae_decoder")) {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.createSymbolicLink(dir.resolve(part), src.resolve(part).toRealPath());
        }
        java.nio.file.Files.createSymbolicLink(dir.resolve("model_index.json"), src.resolve("model_index.json").toRealPath());
        java.nio.file.Files.createDirectories(dir.resolve("scheduler"));
        java.nio.file.Files.writeString(dir.resolve("scheduler/scheduler_config.json"), """
                {"_class_name": "DDIMScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
                 "beta_schedule": "scaled_linear", "clip_sample": false, "set_alpha_to_one": false, "steps_offset": 1,
                 "prediction_type": "v_prediction"}""");
        StableDiffusionModel model = StableDiffusionModel.open(dir);
        assertTrue(model.family().vPrediction(), model.family().describe());
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        try (Txt2Img pipe = Txt2Img.open(model, tmp, null, null, OrtOptions::cpu, Warnings.DEBUG_LOG)) {
            for (String[] run : new String[][] {{"ddim", "ddim"}, {"euler", "euler"}, {"dpm++2m", "dpmpp2m"}}) {
                Txt2Img.Result r = pipe.generate(new Txt2Img.Request("a photo of a cat", "", 0, 10, 7.5, run[0], 16, 16, init), null);
                double e = Dense.relativeError(r.latents(), Npy.read(REF.resolve("pipeline_" + run[1] + "_vpred_final_latents.npy")).floats());
                System.out.printf("tiny-sd2 %s v-prediction: final latents %.2e relative%n", run[0], e);
                assertTrue(e <= 1e-3, run[0] + ": final latents relative error " + e);
                if (run[0].equals("ddim")) { // the shipped run has its image too
                    double ei = Dense.relativeError(r.image(), chw(Npy.read(REF.resolve("pipeline_ddim_vpred_image.npy")).floats(), r));
                    System.out.printf("tiny-sd2 ddim v-prediction: image %.2e relative%n", ei);
                    assertTrue(ei <= 1e-3, "image relative error " + ei);
                }
            }
        }
    }

    /** diffusers' NHWC image as the pipeline's CHW. */
    private static float[] chw(float[] nhwc, Txt2Img.Result r) {
        float[] chw = new float[nhwc.length];
        int plane = r.imageWidth() * r.imageHeight();
        for (int p = 0; p < plane; p++) for (int c = 0; c < 3; c++) chw[c * plane + p] = nhwc[p * 3 + c];
        return chw;
    }

    @Test
    void pndmPipelineMatchesDiffusers(@TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySd2());
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        try (Txt2Img pipe = Txt2Img.open(model, tmp, null, null, OrtOptions::cpu, Warnings.DEBUG_LOG)) {
            Txt2Img.Result r = pipe.generate(new Txt2Img.Request("a photo of a cat", "", 0, 10, 7.5, "pndm", 16, 16, init), null);
            double e = Dense.relativeError(r.latents(), Npy.read(REF.resolve("pipeline_pndm_final_latents.npy")).floats());
            float[] chw = chw(Npy.read(REF.resolve("pipeline_pndm_image.npy")).floats(), r);
            double ei = Dense.relativeError(r.image(), chw);
            double maxPixel = 0;
            for (int i = 0; i < chw.length; i++) maxPixel = Math.max(maxPixel, Math.abs(r.image()[i] - chw[i]) * 255);
            System.out.printf("tiny-sd2 PNDM: final latents %.2e, image %.2e relative, largest pixel difference %.3f/255%n", e, ei, maxPixel);
            assertTrue(e <= 1e-3 && ei <= 1e-3, e + ", " + ei);
        }
    }
}
