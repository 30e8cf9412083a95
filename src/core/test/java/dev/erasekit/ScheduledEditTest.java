package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.ort.OrtOptions;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edit that acts from UNet call k on: k = 0 is the edit, k = all calls is the base, bit for bit, and a
 * k between gives an image unlike both.
 */
class ScheduledEditTest {
    @Test
    void switchingTheTransformPerStep(@TempDir Path tmp) {
        Path dir = Fixtures.tinySdWide();
        Edit edit;
        try (Engine e = TestEngines.open(dir, Backend.JAVA, tmp.resolve("cache"))) {
            edit = e.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
        }
        StableDiffusionModel m = StableDiffusionModel.open(dir);
        int size = Txt2Img.defaultSize(m);
        Txt2Img.Request r = new Txt2Img.Request("nudity", "", 7, 6, 7.5, "pndm", size, size, null);
        float[] edited, base, late, onlyFirst;
        try (Txt2Img p = Txt2Img.open(m, tmp.resolve("cache"), null, edit.transform().orElseThrow(), OrtOptions::cpu, Warnings.DEBUG_LOG);
             Txt2Img b = Txt2Img.open(m, tmp.resolve("cache"), null, null, OrtOptions::cpu, Warnings.DEBUG_LOG)) {
            int calls = p.calls(r);
            edited = p.generate(r, null).latents();
            assertArrayEquals(edited, p.generate(r, 0, null).latents(), "from call 0: the edit");
            base = b.generate(r, null).latents();
            assertArrayEquals(base, p.generate(r, calls, null).latents(), "from after the last call: the base");
            late = p.generate(r, (int) Math.round(0.5 * calls), null).latents();
            onlyFirst = p.generate(r, 1, null).latents();
            assertThrows(InvalidInputException.class, () -> p.generate(r, -1, null));
        }
        assertFalse(Arrays.equals(late, edited) || Arrays.equals(late, base), "half way: neither");
        assertFalse(Arrays.equals(onlyFirst, edited), "one base call changes the image");
        // the same through the engine: GenerateRequest.editFrom, refused in the weights edit mode
        try (Engine e = TestEngines.open(dir, Backend.JAVA, tmp.resolve("cache"))) {
            GenerateRequest.Builder b = GenerateRequest.builder("nudity").seed(7).steps(6).sampler(Sampler.PNDM).edit(edit)
                    .editMode(EditMode.EMBEDDING);
            assertArrayEquals(edited, e.generate(b.build()).latents());
            assertArrayEquals(late, e.generate(b.editFrom(0.5).build()).latents());
            InvalidInputException x = assertThrows(InvalidInputException.class, () -> b.editMode(EditMode.WEIGHTS).build());
            assertTrue(x.getMessage().contains("embedding edit mode"), x.getMessage());
        }
    }
}
