package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Controls;
import dev.erasekit.ErasekitException;
import dev.erasekit.Fixtures;
import dev.erasekit.TestSeeds;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.model.StableDiffusionModel;
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
        try (Eraser eraser = Eraser.open(Fixtures.tinySdWide(), "openblas", tmp)) {
            Eraser.Outcome o = eraser.erase(Eraser.Request.surgical(List.of("Van Gogh"), List.of("dry brushing"),
                    List.of(), SurgicalSettings.DEFAULTS));
            Eraser.Outcome uce = eraser.erase(Eraser.Request.uce(List.of("Van Gogh"), List.of("dry brushing"), List.of(),
                    UceSettings.DEFAULTS));
            StageTimes t = new StageTimes();
            float[] empty = eraser.embed("", t).rows().data(), erased = eraser.embed("Van Gogh", t).rows().data(),
                    anchor = eraser.embed("dry brushing", t).rows().data();
            StableDiffusionModel model = eraser.model();
            Edit control = Controls.ulpEdit(eraser.weights(), eraser.fingerprint(), 128, r);
            double weightSurgical = o.metrics().get("unconditional_drift"), weightUce = uce.metrics().get("unconditional_drift");
            double weightUlp = EditMetrics.maxRelativeDrift(eraser.weights(), control.layers(), eraser.embed("", t).rows(),
                    eraser.backend());
            System.out.printf("weight-space drift of \"\": surgical %.3g, one-ulp control %.3g, UCE %.3g%n", weightSurgical,
                    weightUlp, weightUce);
            assertTrue(weightSurgical <= 20 * weightUlp, "weight-space drift " + weightSurgical + " vs one-ulp " + weightUlp);
            assertTrue(weightSurgical * 100 <= weightUce, "weight-space drift " + weightSurgical + " vs UCE " + weightUce);
            try (UnetSession base = UnetSession.open(model.unetFile()); UnetSession edited = UnetSession.open(model, o.edit());
                 UnetSession ulp = UnetSession.open(model, control); UnetSession uceEdited = UnetSession.open(model, uce.edit())) {
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
        try (Eraser eraser = Eraser.open(Fixtures.tinySd(), "java", tmp)) {
            var e = assertThrows(ErasekitException.class, () -> eraser.erase(Eraser.Request.surgical(List.of("Van Gogh"),
                    List.of("dry brushing"), List.of(), SurgicalSettings.DEFAULTS)));
            assertTrue(e.getMessage().contains("leaves no freedom"), e.getMessage());
        }
    }
}
