package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.ErasekitException;
import dev.erasekit.Fixtures;
import dev.erasekit.diffusion.UnetSession;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The surgical anchor erase on the wide test model (width 128), through the real UNet: the ""
 * prompt's ε is unchanged (≤ 1e-6 relative) at several (latent, timestep) points, and the erased
 * prompt's ε moves to the anchor's: ‖ε'(x,c_e) − ε(x,c_a)‖ ≤ 0.25·‖ε(x,c_e) − ε(x,c_a)‖.
 * At width 32 the "" prompt fills the space: refused with a clear message.
 */
class SurgicalTest {
    private static double norm(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
        return Math.sqrt(s);
    }

    @Test
    void holdsTheUnconditionalScoreAndMovesToTheAnchor(@TempDir Path tmp) {
        try (Eraser eraser = Eraser.open(Fixtures.tinySdWide(), "openblas", tmp)) {
            Eraser.Outcome o = eraser.erase(Eraser.Request.surgical(List.of("Van Gogh"), List.of("dry brushing"),
                    List.of(), SurgicalSettings.DEFAULTS));
            assertTrue(o.metrics().get("unconditional_drift") <= 1e-6, "weight-space drift " + o.metrics());
            StageTimes t = new StageTimes();
            float[] empty = eraser.embed("", t).rows().data(), erased = eraser.embed("Van Gogh", t).rows().data(),
                    anchor = eraser.embed("dry brushing", t).rows().data();
            StableDiffusionModel model = eraser.model();
            SplittableRandom r = new SplittableRandom(7);
            try (UnetSession base = UnetSession.open(model.unetFile()); UnetSession edited = UnetSession.open(model, o.edit())) {
                long[] xs = {1, 4, 8, 8}, cs = {1, 77, 128};
                for (float step : new float[] {981, 500, 250, 1}) {
                    float[] x = new float[256];
                    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
                    float[] t1 = {step};
                    float[] u0 = base.predict(x, xs, t1, empty, cs), u1 = edited.predict(x, xs, t1, empty, cs);
                    double drift = norm(u1, u0) / norm(u0, new float[u0.length]);
                    assertTrue(drift <= 1e-6, "t=" + step + ": unconditional drift " + drift);
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
