package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.diffusion.ModelText;
import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.Npy;
import dev.erasekit.linalg.Dense;
import dev.erasekit.method.Uce;
import dev.erasekit.model.ModelFamily;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL on tiny-sdxl, against the diffusers v0.20.2 references built with it (fixture README): both
 * tokenizers' padding, the prompt embeddings {@code StableDiffusionXLPipeline.encode_prompt} builds (both
 * encoders' penultimate hidden states concatenated) and the pooled embedding, the 22 K/V of every
 * transformer in the deep stacks, UCE with both row conventions, the UNet with its added conditioning,
 * and the Euler pipeline with and without an explicit "" negative.
 */
class SdxlTest {
    private static final Path REF = Fixtures.path("tiny-sdxl/reference");
    private static final List<String> PROMPTS = List.of("", " ", "nudity", "a photo of a cat", "Van Gogh", "dry brushing");

    @Test
    void isSdxlWithBothTokenizersAndEveryTransformersKv() {
        StableDiffusionModel m = StableDiffusionModel.open(Fixtures.tinySdxl());
        assertEquals(ModelFamily.Family.SDXL, m.family().family(), m.family().describe());
        assertEquals(80, m.textWidth());
        assertEquals(40, m.pooledWidth());
        assertTrue(m.forceZerosForEmptyPrompt());
        assertEquals(22, m.layers().size());
        assertEquals(6, m.layers().stream().filter(l -> l.out() == 32).count());
        assertTrue(m.layers().stream().anyMatch(l -> l.diffusersName().equals("mid_block.attentions.0.transformer_blocks.1.attn2.to_k.weight")));
        // the config's forward order names the same 11 attn2 modules (the stripped-names path)
        assertEquals(11, m.unetConfig().forwardOrder().size());
        for (int k = 0; k < 2; k++) {
            ClipTokenizer tok = ClipTokenizer.load(m.textEncoders().get(k).tokenizerDir());
            assertEquals(k == 0 ? 49407 : 0, tok.padId());
            long[] want = Npy.read(REF.resolve(k == 0 ? "token_ids.npy" : "token_ids_2.npy")).longs();
            for (int p = 0; p < PROMPTS.size(); p++) {
                int[] expected = Arrays.stream(want, p * 77, (p + 1) * 77).mapToInt(x -> (int) x).toArray();
                assertArrayEquals(expected, tok.encode(PROMPTS.get(p)).ids(), PROMPTS.get(p));
            }
        }
    }

    @Test
    void promptAndPooledEmbeddingsAreEncodePrompts(@TempDir Path tmp) {
        StableDiffusionModel m = StableDiffusionModel.open(Fixtures.tinySdxl());
        float[] rows = Npy.read(REF.resolve("prompt_embeds.npy")).floats(), pooled = Npy.read(REF.resolve("pooled_prompt_embeds.npy")).floats();
        for (int pass = 0; pass < 2; pass++) { // encoded, then read back from the cache
            try (TextEmbedder e = ModelText.embedder(m, tmp.resolve("cache"), Warnings.DEBUG_LOG)) {
                List<PromptEmbedding> got = e.embedAll(PROMPTS);
                double worst = 0, worstPooled = 0;
                for (int p = 0; p < PROMPTS.size(); p++) {
                    worst = Math.max(worst, Dense.relativeError(got.get(p).rows().data(), Arrays.copyOfRange(rows, p * 77 * 80, (p + 1) * 77 * 80)));
                    worstPooled = Math.max(worstPooled, Dense.relativeError(got.get(p).pooled(), Arrays.copyOfRange(pooled, p * 40, (p + 1) * 40)));
                }
                System.out.printf("tiny-sdxl prompt_embeds %.2e, pooled %.2e relative (pass %d, %d encoded)%n", worst, worstPooled, pass,
                        e.encodedCount());
                assertTrue(worst <= 1e-5 && worstPooled <= 1e-5, worst + ", " + worstPooled);
                assertEquals(pass == 0 ? 5 : 0, e.encodedCount(), "\"\" and \" \" share one entry; the second pass reads the cache");
            }
        }
    }

    @Test
    void uceMatchesBothReferenceRowConventions(@TempDir Path tmp) {
        for (Uce.Rows rows : Uce.Rows.values()) {
            Edit edit;
            try (Engine e = TestEngines.open(Fixtures.tinySdxl(), Backend.JAVA, tmp.resolve("cache"))) {
                edit = e.erase(EraseRequest.builder().method(new Uce(0.5, 1.0, 1.0, rows)).concept("nudity").target(" ").build()).edit();
            }
            String dir = rows == Uce.Rows.Y2025 ? "uce_rewrite2025" : "uce_2023rows";
            double worst = 0;
            assertEquals(22, edit.overrides().layers().size());
            for (LayerWeights w : edit.overrides().layers()) {
                float[] want = Npy.read(REF.resolve("edits/" + dir + "/" + w.name() + ".npy")).floats();
                worst = Math.max(worst, Dense.relativeError(w.w().data(), want));
            }
            System.out.printf("tiny-sdxl UCE (%s) vs the float64 reference: %.2e%n", dir, worst);
            assertTrue(worst <= 1e-5, dir + ": relative error " + worst);
        }
    }

    /** RECE and the surgical erase run on the 80-wide concatenated embeddings too: every K/V, finite metrics. */
    @Test
    void receAndSurgicalEraseEveryKv(@TempDir Path tmp) {
        try (Engine e = TestEngines.open(Fixtures.tinySdxl(), Backend.JAVA, tmp.resolve("cache"))) {
            for (var m : List.of(dev.erasekit.method.Rece.Preset.NUDITY.settings(), dev.erasekit.method.Surgical.DEFAULTS)) {
                Edit edit = e.erase(EraseRequest.builder().method(m).concept("nudity").target(" ").build()).edit();
                assertEquals(22, edit.overrides().layers().size());
                assertTrue(edit.metrics().get("erase_residual") < 1 && edit.metrics().get("pooled_residual") == 1.0, edit.metrics().toString());
            }
        }
    }

    /** UNet case 0: encoder_hidden_states, text_embeds and time_ids as optimum's SDXL export takes them. */
    @Test
    void unetTakesTheAddedConditioning() {
        StableDiffusionModel m = StableDiffusionModel.open(Fixtures.tinySdxl());
        try (UnetSession u = UnetSession.open(m.unetFile())) {
            assertTrue(u.addedConditioning());
            float[] eps = u.predict(Npy.read(REF.resolve("unet_case0_sample.npy")).floats(), new long[] {2, 4, 8, 12}, new float[] {500, 500},
                    Npy.read(REF.resolve("unet_case0_encoder_hidden_states.npy")).floats(), new long[] {2, 77, 80},
                    Npy.read(REF.resolve("unet_case0_text_embeds.npy")).floats(), Npy.read(REF.resolve("unet_case0_time_ids.npy")).floats());
            double e = Dense.relativeError(eps, Npy.read(REF.resolve("unet_case0_eps.npy")).floats());
            System.out.printf("tiny-sdxl UNet case 0: %.2e relative%n", e);
            assertTrue(e <= 1e-5, "relative error " + e);
        }
    }

    /** Euler ("leading" spacing, init σ √(σ_max² + 1)) at 24×16, negative none (zeros) and "" (encoded). */
    @Test
    void eulerPipelineMatchesDiffusersInBothNegativeModes(@TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySdxl());
        float[] init = Npy.read(REF.resolve("pipeline_init_latents.npy")).floats();
        try (Txt2Img pipe = Txt2Img.open(model, tmp, null, null, OrtOptions::cpu, Warnings.DEBUG_LOG)) {
            for (String negative : new String[] {null, ""}) {
                String run = negative == null ? "pipeline_euler" : "pipeline_euler_neg_empty";
                Txt2Img.Result r = pipe.generate(new Txt2Img.Request("a photo of a cat", negative, 0, 10, 7.5, "default", 24, 16, init), null);
                double e = Dense.relativeError(r.latents(), Npy.read(REF.resolve(run + "_final_latents.npy")).floats());
                float[] nhwc = Npy.read(REF.resolve(run + "_image.npy")).floats(), chw = new float[nhwc.length];
                int plane = r.imageWidth() * r.imageHeight();
                assertEquals(24, r.imageWidth());
                for (int p = 0; p < plane; p++) for (int c = 0; c < 3; c++) chw[c * plane + p] = nhwc[p * 3 + c];
                double ei = Dense.relativeError(r.image(), chw);
                System.out.printf("tiny-sdxl %s: final latents %.2e, image %.2e relative%n", run, e, ei);
                assertTrue(e <= 1e-3 && ei <= 1e-3, run + ": " + e + ", " + ei);
            }
        }
    }
}
