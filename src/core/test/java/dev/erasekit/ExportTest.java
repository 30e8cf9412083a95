package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.WrongBaseException;
import dev.erasekit.export.LoraKeys;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.LayerWeights;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every export format's round trip on tiny-sd-wide (d = 128, so the rank is below d): the base W plus the ΔW a loader builds from the file (by
 * its own rule, written out here: up·down·alpha/rank for kohya, B·A for PEFT, the diff as is) equals the
 * edited weights W' within 1e-5 relative, for files written with the base (Engine.export) and without it
 * (Edit.export, W = W'·M⁻¹); the rank is the exact one, at most the erase rows, alpha equal to it.
 */
class ExportTest {
    @TempDir
    static Path tmp;
    static Edit edit;
    static int eraseRows;
    static List<LayerWeights> base;

    @BeforeAll
    static void erase() {
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            EraseResult r = engine.erase(EraseRequest.builder().concept("nudity").target(" ").preserve("a photo of a dog").build());
            edit = r.edit();
            eraseRows = r.eraseRows();
        }
        base = StableDiffusionModel.open(Fixtures.tinySdWide()).readWeights();
    }

    @Test
    void everyFormatRoundTrips() {
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            for (ExportFormat f : ExportFormat.values()) {
                for (boolean withBase : List.of(true, false)) {
                    Path file = tmp.resolve(f.cliName() + "-" + withBase + ".safetensors");
                    ExportReport r = withBase ? engine.export(edit, ExportOptions.of(f), file) : edit.export(file, ExportOptions.of(f));
                    double worst = 0;
                    SafeTensors.Contents c = SafeTensors.read(file);
                    for (LayerWeights w : base) {
                        LayerWeights e = edit.overrides().layer(w.name()).orElseThrow();
                        float[] rebuilt = rebuilt(f, c, w, edit.compvisName(w.name()).orElseThrow());
                        worst = Math.max(worst, dev.erasekit.linalg.Dense.relativeError(rebuilt, e.w().data()));
                    }
                    System.out.printf("export %-12s %s: rank %d (exact %d, erase rows %d), W + ΔW vs W' %.2e%n", f.cliName(),
                            withBase ? "from W " : "from W'", r.rank(), r.exactRank(), eraseRows, worst);
                    assertTrue(worst <= 1e-5, f + " " + withBase + ": " + worst);
                    if (f.delta()) {
                        assertTrue(r.exactRank() >= 1 && r.exactRank() <= eraseRows, r.exactRank() + " vs " + eraseRows);
                        assertEquals(r.exactRank(), r.rank());
                        assertEquals(Map.of("ss_network_dim", "" + r.rank(), "ss_network_alpha", "" + r.rank(), "base_fingerprint",
                                edit.baseFingerprint(), "method", "uce"), Map.of("ss_network_dim", c.metadata().getOrDefault("ss_network_dim",
                                "" + r.rank()), "ss_network_alpha", c.metadata().getOrDefault("ss_network_alpha", "" + r.rank()),
                                "base_fingerprint", c.metadata().get("base_fingerprint"), "method", c.metadata().get("method")));
                    }
                }
            }
        }
    }

    /** W' as a loader makes it from the file. */
    private static float[] rebuilt(ExportFormat f, SafeTensors.Contents c, LayerWeights w, String compvisKey) {
        int out = w.out(), d = w.width();
        float[] v = w.w().data().clone();
        switch (f) {
            case DIFFUSERS -> v = c.tensor(w.name()).values();
            case COMPVIS -> v = c.tensor(compvisKey).values();
            case DIFF -> {
                float[] diff = c.tensor(LoraKeys.kohya(w.name()) + ".diff").values();
                for (int i = 0; i < v.length; i++) v[i] += diff[i];
            }
            case LORA, LORA_COMPVIS, PEFT -> {
                String m = f == ExportFormat.PEFT ? LoraKeys.peft(w.name())
                        : f == ExportFormat.LORA ? LoraKeys.kohya(w.name()) : LoraKeys.kohyaCompvis(compvisKey);
                SafeTensors.Tensor down = c.tensor(m + (f == ExportFormat.PEFT ? ".lora_A.weight" : ".lora_down.weight"));
                SafeTensors.Tensor up = c.tensor(m + (f == ExportFormat.PEFT ? ".lora_B.weight" : ".lora_up.weight"));
                int r = (int) down.shape()[0];
                double scale = f == ExportFormat.PEFT ? 1.0 : c.tensor(m + ".alpha").values()[0] / r;
                for (int i = 0; i < out; i++) {
                    for (int j = 0; j < d; j++) {
                        double s = 0;
                        for (int k = 0; k < r; k++) s += (double) up.values()[i * r + k] * down.values()[k * d + j];
                        v[i * d + j] = (float) (v[i * d + j] + scale * s);
                    }
                }
            }
        }
        return v;
    }

    /** A truncated rank reports the ΔW error it makes (measured here from the file) and the K/V errors on the rows. */
    @Test
    void truncatedRankReportsItsError() {
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            Path exact = tmp.resolve("exact.safetensors"), one = tmp.resolve("one.safetensors");
            ExportReport full = engine.export(edit, ExportOptions.of(ExportFormat.DIFF), exact);
            ExportReport r = engine.export(edit, new ExportOptions(ExportFormat.LORA, 1, false), one);
            assertEquals(1, r.rank());
            assertTrue(full.exactRank() > 1, "the test needs an edit of rank > 1: " + full.exactRank());
            SafeTensors.Contents e = SafeTensors.read(exact), t = SafeTensors.read(one);
            double worst = 0;
            for (LayerWeights w : base) {
                float[] dw = e.tensor(LoraKeys.kohya(w.name()) + ".diff").values();
                float[] approx = rebuilt(ExportFormat.LORA, t, w, "");
                float[] d1 = new float[dw.length];
                for (int i = 0; i < d1.length; i++) d1[i] = approx[i] - w.w().data()[i];
                worst = Math.max(worst, dev.erasekit.linalg.Dense.relativeError(d1, dw));
            }
            System.out.printf("rank 1 of %d: ΔW error reported %.4g, measured %.4g; K/V error erase rows %.3g, preserve rows %.3g%n",
                    full.exactRank(), r.deltaError(), worst, r.eraseRowError().orElseThrow(), r.preserveRowError().orElseThrow());
            assertTrue(Math.abs(worst - r.deltaError()) <= 1e-3 * r.deltaError() + 1e-6, worst + " vs " + r.deltaError());
            assertTrue(r.eraseRowError().orElseThrow() > 0 && r.preserveRowError().isPresent());
        }
    }

    /** An erasekit LoRA applies to its own base (W' back within 1e-5) and is refused by another. */
    @Test
    void loraAppliesToItsBaseOnly() {
        Path file = tmp.resolve("apply.safetensors");
        edit.export(file, ExportOptions.of(ExportFormat.LORA));
        Edit back = Edit.read(file, () -> base);
        for (LayerWeights w : back.overrides().layers()) {
            double err = dev.erasekit.linalg.Dense.relativeError(w.w().data(), edit.overrides().layer(w.name()).orElseThrow().w().data());
            assertTrue(err <= 1e-5, w.name() + ": " + err);
        }
        List<LayerWeights> other = StableDiffusionModel.open(Fixtures.tinySd()).readWeights();
        WrongBaseException x = assertThrows(WrongBaseException.class, () -> Edit.read(file, () -> other));
        assertTrue(x.getMessage().contains("was made for the base model " + edit.baseFingerprint()), x.getMessage());
    }
}
