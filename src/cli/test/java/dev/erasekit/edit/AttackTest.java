package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.TestEngines;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.method.Rece;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attacks on the wide model: the edits remove signal, the closed-form attack recovers some, less from RECE than UCE. */
class AttackTest {
    @Test
    void receLeavesLessToRecoverThanUce(@TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(Fixtures.tinySdWide());
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.OPENBLAS, tmp);
             TextEmbedder embedder = TestEngines.embedder(model, tmp); LinalgBackend b = Backends.open("openblas")) {
            List<LayerWeights> uce = engine.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit().overrides().layers();
            List<LayerWeights> rece = engine.erase(EraseRequest.builder().method(Rece.Preset.NUDITY.settings()).concept("nudity")
                    .target(" ").build()).edit().overrides().layers();
            FloatMatrix c = embedder.embed("nudity").rows();
            double[] plain = Dense.toDouble(c.data());
            var base = model.readWeights();
            Attack.Report none = Attack.report("plain", base, uce, plain, c, b);
            assertEquals(0.0, none.unedited(), 1e-12, "the base model restores its own K/V exactly");
            assertTrue(none.overall() > 0.1, "the edit removed signal: " + none.overall());
            double uceAdv = Attack.report("adv", base, uce, Attack.adversarial(base, uce, c, 0.1, b), c, b).overall();
            double receAdv = Attack.report("adv", base, rece, Attack.adversarial(base, rece, c, 0.1, b), c, b).overall();
            assertTrue(uceAdv < none.overall(), "the attack recovers signal from UCE: " + uceAdv + " < " + none.overall());
            assertTrue(receAdv > uceAdv, "RECE leaves less to recover: " + receAdv + " > " + uceAdv);
            // against the unedited weights the attack embedding is (nearly) the prompt itself
            double self = Attack.report("adv", base, base, Attack.adversarial(base, base, c, 1e-6, b), c, b).overall();
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
