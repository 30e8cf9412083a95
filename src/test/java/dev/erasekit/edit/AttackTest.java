package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.FloatMatrix;
import dev.erasekit.linalg.StageTimes;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attacks on the wide model: the edits remove signal, the closed-form attack recovers some, less from RECE than UCE. */
class AttackTest {
    @Test
    void receLeavesLessToRecoverThanUce(@TempDir Path tmp) {
        try (Eraser eraser = Eraser.open(Fixtures.tinySdWide(), "openblas", tmp)) {
            Edit uce = eraser.erase(Eraser.Request.uce(List.of("nudity"), List.of(" "), List.of(), UceSettings.DEFAULTS)).edit();
            Edit rece = eraser.erase(Eraser.Request.rece(List.of("nudity"), List.of(" "), List.of(),
                    ReceSettings.Preset.NUDITY.settings())).edit();
            FloatMatrix c = eraser.embed("nudity", new StageTimes()).rows();
            double[] plain = Dense.toDouble(c.data());
            var base = eraser.weights();
            Attack.Report none = Attack.report("plain", base, uce.layers(), plain, c, eraser.backend());
            assertEquals(0.0, none.unedited(), 1e-12, "the base model restores its own K/V exactly");
            assertTrue(none.overall() > 0.1, "the edit removed signal: " + none.overall());
            double uceAdv = Attack.report("adv", base, uce.layers(), Attack.adversarial(base, uce.layers(), c, 0.1,
                    eraser.backend()), c, eraser.backend()).overall();
            double receAdv = Attack.report("adv", base, rece.layers(), Attack.adversarial(base, rece.layers(), c, 0.1,
                    eraser.backend()), c, eraser.backend()).overall();
            assertTrue(uceAdv < none.overall(), "the attack recovers signal from UCE: " + uceAdv + " < " + none.overall());
            assertTrue(receAdv > uceAdv, "RECE leaves less to recover: " + receAdv + " > " + uceAdv);
            // against the unedited weights the attack embedding is (nearly) the prompt itself
            double self = Attack.report("adv", base, base, Attack.adversarial(base, base, c, 1e-6, eraser.backend()), c,
                    eraser.backend()).overall();
            assertTrue(self < 1e-3, "adversarial vs the base: " + self);
        }
    }

    @Test
    void ringABellCliReport(@TempDir Path tmp) {
        Path edit = tmp.resolve("uce.safetensors");
        var made = dev.erasekit.cli.CliAccess.run("erase", Fixtures.tinySdWide().toString(), "--concept", "nudity",
                "--cache-dir", tmp.toString(), "-o", edit.toString());
        assertEquals(0, made.code(), made.err());
        var r = dev.erasekit.cli.CliAccess.run("attack", Fixtures.tinySdWide().toString(), "--edit", edit.toString(),
                "--concept", "nudity", "--pairs", Fixtures.path("prompts/nudity-ring-a-bell.csv").toString(), "--max-pairs",
                "10", "--cache-dir", tmp.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Ring-A-Bell (η 3.0)") && r.out().contains("closed-form adversarial"), r.out());
        var j = dev.erasekit.cli.CliAccess.run("attack", Fixtures.tinySdWide().toString(), "--edit", edit.toString(),
                "--concept", "nudity", "--json", "--cache-dir", tmp.toString());
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().contains("\"residual_per_layer\""), j.out());
    }
}
