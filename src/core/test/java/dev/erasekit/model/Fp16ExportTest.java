package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.GenerateRequest;
import dev.erasekit.Sampler;
import dev.erasekit.TestEngines;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An fp16 export (optimum {@code --fp16}: fp16 weights, inputs and outputs in every graph), made from
 * the tiny-sd fixture by {@link Fp16Copy}: erase writes its edit in the base's dtype, apply writes fp16
 * K/V, and generate feeds and reads fp16 tensors. Bounds are relative to controls in the same test:
 * the fp16 copy's image against the fp32 original's must differ less than a quarter of what the edit
 * changes, and the applied folder must reproduce the in-memory edit up to fp16 arithmetic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Fp16ExportTest {
    private Path fp16;

    @BeforeAll
    void copy(@TempDir Path dir) throws IOException {
        fp16 = Fp16Copy.of(Fixtures.tinySd(), dir.resolve("tiny-sd-fp16"));
    }

    private static GenerateRequest request(Edit edit) {
        GenerateRequest.Builder b = GenerateRequest.builder("nudity").seed(3).steps(4).sampler(Sampler.DDIM).size(64, 64);
        return (edit == null ? b : b.edit(edit)).build();
    }

    private static double meanAbs(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
        return s / a.length;
    }

    @Test
    void eraseApplyAndGenerateOnAnFp16Export(@TempDir Path tmp) {
        StableDiffusionModel model = StableDiffusionModel.open(fp16);
        for (LayerWeights w : model.readWeights()) assertEquals(DType.FP16, w.dtype(), w.name());
        float[] base32, base16, edited16, applied16;
        Edit edit;
        try (Engine e32 = TestEngines.open(Fixtures.tinySd(), Backend.JAVA, tmp.resolve("cache32"))) {
            base32 = e32.generate(request(null)).rgb();
        }
        try (Engine e16 = TestEngines.open(fp16, Backend.JAVA, tmp.resolve("cache16"))) {
            edit = e16.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
            for (LayerWeights w : edit.overrides().layers()) {
                assertEquals(DType.FP16, w.dtype(), "the edit keeps the base's dtype");
                for (float v : w.w().data()) assertEquals(DType.FP16.round(v), v, "fp16-representable values");
            }
            base16 = e16.generate(request(null)).rgb();
            edited16 = e16.generate(request(edit)).rgb();
            Path out = tmp.resolve("applied");
            e16.apply(edit, out);
            StableDiffusionModel applied = StableDiffusionModel.open(out);
            assertEquals(TensorData.FLOAT16, applied.unet().initializers().get(applied.layers().getFirst().initializer()).getDataType());
            for (int i = 0; i < edit.overrides().layers().size(); i++) {
                assertArrayEquals(edit.overrides().layers().get(i).w().data(), applied.readWeights().get(i).w().data());
            }
            try (Engine ea = TestEngines.open(out, Backend.JAVA, tmp.resolve("cacheA"))) {
                applied16 = ea.generate(request(null)).rgb();
            }
        }
        double precision = meanAbs(base16, base32), effect = meanAbs(edited16, base16), reproduce = meanAbs(applied16, edited16);
        System.out.printf("fp16 export: |fp16 − fp32| %.2e, |edited − base| %.2e, |applied − in-memory edit| %.2e%n", precision,
                effect, reproduce);
        assertTrue(precision < effect / 4, "fp16 rounding (" + precision + ") must stay well below the edit's effect (" + effect + ")");
        // the same fp16 weights (checked above) through differently optimised graphs (overridden initializers are not
        // constant-folded): equal up to fp16 arithmetic, the order of the fp16-vs-fp32 difference
        assertTrue(reproduce <= 4 * precision && reproduce < effect / 4, "the applied folder reproduces the in-memory edit ("
                + reproduce + " vs fp16 noise " + precision + ", effect " + effect + ")");
    }
}
