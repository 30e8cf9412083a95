package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD 2.x and SDXL models are told apart from SD v1.x by their own files (an SD 2.x model read as v1.x was
 * silently wrong: its tokenizer pads with "!"); a model of none of the three (an SDXL folder without both text
 * encoders, as the refiner; other added embeddings) is refused with the evidence. The variants are tiny-sd with
 * one file changed as the real ones differ.
 */
class ModelFamilyTest {
    @TempDir
    Path tmp;

    @Test
    void sd1ModelsAreSd1() {
        for (Path m : List.of(Fixtures.tinySd(), Fixtures.tinySdWide(), Fixtures.tinyShapes())) {
            ModelFamily f = StableDiffusionModel.open(m).family();
            assertEquals(ModelFamily.Family.SD1, f.family(), m + ": " + f.describe());
        }
    }

    @Test
    void sd2IsToldApartAndWhatIsNoneOfTheFamiliesIsRefused() throws IOException {
        Path linear = variant("linear", "unet/config.json", s -> s.replace("\"use_linear_projection\": false", "\"use_linear_projection\": true"));
        Path gelu = variant("gelu", "text_encoder/config.json", s -> s.replace("\"quick_gelu\"", "\"gelu\""));
        Path pad = variant("pad", "tokenizer/special_tokens_map.json", s -> s.replace("\"pad_token\": \"<|endoftext|>\"", "\"pad_token\": \"!\""));
        Path vpred = variant("vpred", "scheduler/scheduler_config.json", s -> s.replace("\"epsilon\"", "\"v_prediction\""));
        for (Path p : List.of(linear, gelu, pad, vpred)) {
            ModelFamily f = StableDiffusionModel.open(p).family();
            assertEquals(ModelFamily.Family.SD2, f.family(), p + ": " + f.describe());
        }
        assertTrue(StableDiffusionModel.open(vpred).family().vPrediction());
        Path xl = variant("xl", "model_index.json", s -> s.replace("OnnxStableDiffusionPipeline", "ORTStableDiffusionXLPipeline"));
        Files.createDirectories(xl.resolve("text_encoder_2"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> StableDiffusionModel.open(xl));
        assertTrue(e.getMessage().contains("Stable Diffusion XL") && e.getMessage().contains("text_encoder_2/model.onnx"), e.getMessage());
        Path image = variant("image", "unet/config.json", s -> s.replace("\"class_embed_type\": null", "\"class_embed_type\": \"timestep\""));
        e = assertThrows(InvalidInputException.class, () -> StableDiffusionModel.open(image));
        assertTrue(e.getMessage().contains("class_embed_type timestep"), e.getMessage());
    }

    /** tiny-sd as symlinks, with {@code file} rewritten by {@code change} (which must change it). */
    private Path variant(String name, String file, UnaryOperator<String> change) throws IOException {
        Path src = Fixtures.tinySd(), dir = tmp.resolve(name);
        for (String part : List.of("unet", "text_encoder", "tokenizer", "vae_decoder", "scheduler")) {
            Files.createDirectories(dir.resolve(part));
            try (var files = Files.list(src.resolve(part))) {
                for (Path f : files.toList()) Files.createSymbolicLink(dir.resolve(part).resolve(f.getFileName()), f.toRealPath());
            }
        }
        Files.createSymbolicLink(dir.resolve("model_index.json"), src.resolve("model_index.json").toRealPath());
        Path target = dir.resolve(file);
        String text = Files.readString(target.toRealPath()), changed = change.apply(text);
        assertTrue(!changed.equals(text), name + ": the change must apply to " + file);
        Files.delete(target);
        Files.writeString(target, changed);
        return dir;
    }
}
