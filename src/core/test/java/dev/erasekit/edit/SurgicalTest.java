package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Controls;
import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.TestEngines;
import dev.erasekit.TestSeeds;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.linalg.JavaBackend;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.method.Surgical;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The surgical anchor erase on the wide test model (width 128), through the real UNet. Its claim is
 * that ε(x, "") does not move beyond rounding, so every bound is relative to controls measured in the
 * same test, on the same CPU (AVX2 and AVX-512 kernels round differently):
 * <ul>
 * <li>the <b>one-ulp control</b>: the base K/V with every weight moved by one ulp (random sign) —
 * rounding noise of exactly the size the fp32 edited weights carry. The surgical edit's drift must be
 * within 20× of it (its weights are W·(I + D) rounded to fp32 after a 128-term product);</li>
 * <li>the <b>UCE control</b>: a UCE edit of the same concept, which does move ε(x, ""): the surgical
 * drift must be at least 100× below it.</li>
 * </ul>
 * The same in weight space (the edit's reported drift vs the controls'), and the erased prompt's ε
 * moves to the anchor's: ‖ε'(x,c_e) − ε(x,c_a)‖ ≤ 0.25·‖ε(x,c_e) − ε(x,c_a)‖. Latents are fresh
 * random each run (seed printed). At width 32 the "" prompt fills the space: refused with a clear message.
 */
class SurgicalTest {
    private static double norm(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
        return Math.sqrt(s);
    }

    @Test
    void holdsTheUnconditionalScoreAndMovesToTheAnchor(@TempDir Path tmp) {
        long seed = TestSeeds.seed("surgical");
        SplittableRandom r = new SplittableRandom(seed);
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySdWide());
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.OPENBLAS, tmp);
             TextEmbedder embedder = TestEngines.embedder(model, tmp); LinalgBackend backend = new JavaBackend()) {
            Edit o = engine.erase(EraseRequest.builder().method(Surgical.DEFAULTS).concept("Van Gogh").target("dry brushing").build())
                    .edit();
            Edit uce = engine.erase(EraseRequest.builder().concept("Van Gogh").target("dry brushing").build()).edit();
            float[] empty = embedder.embed("").rows().data(), erased = embedder.embed("Van Gogh").rows().data(),
                    anchor = embedder.embed("dry brushing").rows().data();
            List<LayerWeights> weights = model.readWeights();
            Edit control = Controls.ulpEdit(weights, model.fingerprint(), 128, r);
            // the reported drift is the float64 algebra of M: the constraint itself, exactly
            double exact = o.metrics().get("unconditional_drift");
            assertTrue(exact <= 1e-10, "the constraint holds in float64: " + exact);
            // the stored fp32 weights: within rounding of the base, measured against the one-ulp control
            double weightSurgical = EditMetrics.maxRelativeDrift(weights, o.overrides().layers(), embedder.embed("").rows(), backend);
            double weightUce = EditMetrics.maxRelativeDrift(weights, uce.overrides().layers(), embedder.embed("").rows(), backend);
            double weightUlp = EditMetrics.maxRelativeDrift(weights, control.overrides().layers(), embedder.embed("").rows(), backend);
            System.out.printf("weight-space drift of \"\": surgical %.3g (float64 %.1e), one-ulp control %.3g, UCE %.3g%n",
                    weightSurgical, exact, weightUlp, weightUce);
            assertTrue(weightSurgical <= 20 * weightUlp, "weight-space drift " + weightSurgical + " vs one-ulp " + weightUlp);
            assertTrue(weightSurgical * 100 <= weightUce, "weight-space drift " + weightSurgical + " vs UCE " + weightUce);
            try (UnetSession base = UnetSession.open(model.unetFile()); UnetSession edited = UnetSession.open(model, o.overrides());
                 UnetSession ulp = UnetSession.open(model, control.overrides());
                 UnetSession uceEdited = UnetSession.open(model, uce.overrides())) {
                long[] xs = {1, 4, 8, 8}, cs = {1, 77, 128};
                for (float step : new float[] {981, 500, 250, 1}) {
                    float[] x = new float[256];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
                    float[] t1 = {step};
                    float[] u0 = base.predict(x, xs, t1, empty, cs), u1 = edited.predict(x, xs, t1, empty, cs);
                    double scale = norm(u0, new float[u0.length]);
                    double drift = norm(u1, u0) / scale;
                    double noise = norm(ulp.predict(x, xs, t1, empty, cs), u0) / scale;
                    double moved = norm(uceEdited.predict(x, xs, t1, empty, cs), u0) / scale;
                    System.out.printf("t=%.0f: ε(\"\") drift surgical %.3g, one-ulp control %.3g, UCE %.3g%n", step, drift, noise,
                            moved);
                    assertTrue(drift <= 20 * noise, "t=" + step + ": drift " + drift + " vs one-ulp control " + noise);
                    assertTrue(drift * 100 <= moved, "t=" + step + ": drift " + drift + " vs UCE " + moved);
                    float[] e0 = base.predict(x, xs, t1, erased, cs), e1 = edited.predict(x, xs, t1, erased, cs);
                    float[] a0 = base.predict(x, xs, t1, anchor, cs);
                    double ratio = norm(e1, a0) / norm(e0, a0);
                    assertTrue(ratio <= 0.25, "t=" + step + ": ‖ε'(c_e) − ε(c_a)‖/‖ε(c_e) − ε(c_a)‖ = " + ratio);
                }
            }
        }
    }

    @Test
    void refusedWhereTheNullPromptFillsTheSpace(@TempDir Path tmp) {
        try (Engine engine = TestEngines.open(Fixtures.tinySd(), Backend.JAVA, tmp)) {
            var e = assertThrows(ErasekitException.class, () -> engine.erase(EraseRequest.builder().method(Surgical.DEFAULTS)
                    .concept("Van Gogh").target("dry brushing").build()));
            assertTrue(e.getMessage().contains("leaves no freedom"), e.getMessage());
        }
    }
}
