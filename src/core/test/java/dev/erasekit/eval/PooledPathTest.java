package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.ExportFormat;
import dev.erasekit.ExportOptions;
import dev.erasekit.Fixtures;
import dev.erasekit.KeyStyle;
import dev.erasekit.PooledPath;
import dev.erasekit.TestEngines;
import dev.erasekit.diffusion.ModelText;
import dev.erasekit.diffusion.NoiseSource;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import dev.erasekit.linalg.Dense;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDXL's pooled text path on tiny-sdxl (docs/methods.md §9): what a K/V edit leaves there, measured; the closed-form
 * edit of it; the same edit as folded weights, as a transform and as an applied model; the surgical method's
 * unconditional score held through K/V and the pooled path.
 */
class PooledPathTest {
    private static final Path MODEL = Fixtures.tinySdxl();
    private static final long[] XS = {1, 4, 8, 12}, CS = {1, 77, 80};
    private static final float[] TIME_IDS = {16, 24, 0, 0, 16, 24};

    private static Edit erase(Path cache, EraseMethod m, PooledPath pooled) {
        try (Engine e = TestEngines.open(MODEL, Backend.JAVA, cache)) {
            return e.erase(EraseRequest.builder().method(m).concept("nudity").target(" ").pooled(pooled).build()).edit();
        }
    }

    @Test
    void theResidualIsMeasuredAndTheEditRemovesIt(@TempDir Path tmp) {
        Edit keep = erase(tmp, Uce.DEFAULTS, PooledPath.KEEP), edit = erase(tmp, Uce.DEFAULTS, PooledPath.EDIT);
        assertTrue(keep.pooledFactor().isEmpty());
        assertEquals(1.0, keep.metrics().get("pooled_residual"), 1e-12, "K/V only: the pooled path carries the concept unchanged");
        double edited = edit.metrics().get("pooled_residual");
        for (int l = 0; l < keep.layerNames().size(); l++) { // the K/V edit is the same either way
            assertArrayEquals(keep.overrides().layers().get(l).w().data(), edit.overrides().layers().get(l).w().data());
        }
        StableDiffusionModel model = StableDiffusionModel.open(MODEL);
        PromptSet preserve = new PromptSet("preserve", List.of(new PromptSet.Prompt("a photo of a cat", 0, 7.5, 24, 16)));
        double[] k = Validation.mechanistic(model, tmp, new Validation.Variant("uce", keep.overrides(), List.of("nudity"), List.of(" ")),
                preserve);
        double[] e = Validation.mechanistic(model, tmp, new Validation.Variant("uce+pooled", edit.overrides(), List.of("nudity"),
                List.of(" ")), preserve);
        System.out.printf("tiny-sdxl UCE nudity: pooled residual at add_embedding %.3g (keep) → %.3g (edit); in the UNet's guidance"
                + " term %.3g → %.3g; guidance residual %.3g → %.3g%n", 1.0, edited, k[3], e[3], k[0], e[0]);
        assertTrue(edited < 0.1, "the pooled edit leaves " + edited + " (λ = 0.5 keeps some of it)");
        assertTrue(k[3] > 0 && e[3] < k[3] / 5, "the UNet's pooled share: keep " + k[3] + ", edit " + e[3]);
        assertTrue(e[0] < k[0], "the guidance residual falls with the pooled path edited: " + k[0] + " → " + e[0]);
    }

    /** W₁·M_p folded into the UNet ≡ M_p·text_embeds (and M·c per row) fed to the base UNet. */
    @Test
    void foldedWeightsEqualTheTransform(@TempDir Path tmp) {
        Edit edit = erase(tmp, Uce.DEFAULTS, PooledPath.EDIT);
        StableDiffusionModel model = StableDiffusionModel.open(MODEL);
        EmbeddingTransform t = edit.transform().orElseThrow();
        assertTrue(t.pooled().isPresent());
        float[] x = new NoiseSource(7).gaussian(4 * 8 * 12);
        try (TextEmbedder emb = ModelText.embedder(model, tmp, Warnings.DEBUG_LOG); UnetSession base = UnetSession.open(model.unetFile());
             UnetSession folded = UnetSession.open(model, edit.overrides())) {
            PromptEmbedding c = emb.embed("nudity");
            float[] viaWeights = folded.predict(x, XS, new float[] {500}, c.rows().data(), CS, c.pooled(), TIME_IDS);
            float[] viaTransform = base.predict(x, XS, new float[] {500}, t.apply(c.rows().data()), CS, t.pooled().get().apply(c.pooled()),
                    TIME_IDS);
            float[] kvOnly = base.predict(x, XS, new float[] {500}, t.apply(c.rows().data()), CS, c.pooled(), TIME_IDS);
            double err = Dense.relativeError(viaWeights, viaTransform), control = Dense.relativeError(kvOnly, viaTransform);
            System.out.printf("tiny-sdxl pooled edit: folded vs transform %.2e (the pooled map's own effect %.2e)%n", err, control);
            assertTrue(err <= 1e-4 && err < control / 100, err + " vs " + control);
        }
    }

    /** The surgical erase holds ε(∅) exactly with an explicit "" negative (K/V null constraint and M_p·p("") = p("")). */
    @Test
    void surgicalHoldsTheUnconditionalScoreThroughThePooledPath(@TempDir Path tmp) {
        Edit surgical = erase(tmp, Surgical.DEFAULTS, PooledPath.EDIT), uce = erase(tmp, Uce.DEFAULTS, PooledPath.EDIT);
        StableDiffusionModel model = StableDiffusionModel.open(MODEL);
        float[] x = new NoiseSource(8).gaussian(4 * 8 * 12);
        try (TextEmbedder emb = ModelText.embedder(model, tmp, Warnings.DEBUG_LOG); UnetSession base = UnetSession.open(model.unetFile());
             UnetSession s = UnetSession.open(model, surgical.overrides()); UnetSession u = UnetSession.open(model, uce.overrides())) {
            PromptEmbedding empty = emb.embed("");
            float[] b = base.predict(x, XS, new float[] {500}, empty.rows().data(), CS, empty.pooled(), TIME_IDS);
            double ds = Dense.relativeError(s.predict(x, XS, new float[] {500}, empty.rows().data(), CS, empty.pooled(), TIME_IDS), b);
            double du = Dense.relativeError(u.predict(x, XS, new float[] {500}, empty.rows().data(), CS, empty.pooled(), TIME_IDS), b);
            System.out.printf("tiny-sdxl ε(\"\") drift with the pooled path edited: surgical %.2e, UCE %.2e%n", ds, du);
            assertTrue(ds <= 1e-5 && ds < du / 100, "surgical " + ds + ", UCE " + du);
        }
    }

    /** apply writes add_embedding.linear_1 too; the edit file keeps M_p; the delta formats refuse what they cannot carry. */
    @Test
    void applyWritesThePooledProjectionAndTheFileKeepsIt(@TempDir Path tmp) {
        Edit edit = erase(tmp, Uce.DEFAULTS, PooledPath.EDIT), keep = erase(tmp, Uce.DEFAULTS, PooledPath.KEEP);
        Path file = tmp.resolve("e.safetensors");
        edit.write(file, KeyStyle.DIFFUSERS);
        Edit back = Edit.read(file);
        assertArrayEquals(edit.pooledFactor().orElseThrow(), back.pooledFactor().orElseThrow());
        try (Engine e = TestEngines.open(MODEL, Backend.JAVA, tmp)) {
            e.apply(back, tmp.resolve("applied"));
            e.apply(keep, tmp.resolve("kv-only"));
            assertThrows(InvalidInputException.class, () -> e.export(back, ExportOptions.of(ExportFormat.LORA), tmp.resolve("x.safetensors")));
        }
        StableDiffusionModel model = StableDiffusionModel.open(MODEL);
        float[] x = new NoiseSource(9).gaussian(4 * 8 * 12);
        try (TextEmbedder emb = ModelText.embedder(model, tmp, Warnings.DEBUG_LOG);
             UnetSession memory = UnetSession.open(model, edit.overrides());
             UnetSession applied = UnetSession.open(tmp.resolve("applied/unet/model.onnx"));
             UnetSession kvOnly = UnetSession.open(tmp.resolve("kv-only/unet/model.onnx"))) {
            PromptEmbedding c = emb.embed("nudity");
            float[] want = memory.predict(x, XS, new float[] {500}, c.rows().data(), CS, c.pooled(), TIME_IDS);
            double err = Dense.relativeError(applied.predict(x, XS, new float[] {500}, c.rows().data(), CS, c.pooled(), TIME_IDS), want);
            double control = Dense.relativeError(kvOnly.predict(x, XS, new float[] {500}, c.rows().data(), CS, c.pooled(), TIME_IDS), want);
            assertTrue(err <= 1e-6 && err < control / 100, "applied vs in memory " + err + " (K/V only: " + control + ")");
        }
    }
}
