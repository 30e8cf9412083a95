package dev.erasekit.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** ONNX Runtime text encoder vs diffusers' last_hidden_state (≤ 1e-4 absolute), and the embedding cache. */
class TextEncoderTest {
    static Stream<Path> models() {
        return Stream.of(Fixtures.tinySd(), Fixtures.tinySdWide());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void matchesDiffusers(Path dir, @TempDir Path cache) throws IOException {
        var prompts = new ObjectMapper().readTree(dir.getParent().resolve("reference/index.json").toFile())
                .get("files").get("token_ids").get("prompts");
        Npy want = Npy.read(dir.getParent().resolve("reference/text_last_hidden_state.npy"));
        int width = (int) want.shape()[2];
        float[] ref = want.floats();
        try (TextEmbedder e = new TextEmbedder(ClipTokenizer.load(dir.resolve("tokenizer")), dir.resolve("text_encoder/model.onnx"), width, cache,
                dev.erasekit.error.Warnings.DEBUG_LOG)) {
            double worst = 0;
            for (int p = 0; p < prompts.size(); p++) {
                float[] got = e.embed(prompts.get(p).asText()).rows().data();
                for (int i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[p * 77 * width + i]));
            }
            assertTrue(worst <= 1e-4, "max |ORT − torch| = " + worst);
            assertEquals(prompts.size() - 1, e.encodedCount(), "\"\" and \" \" tokenize alike and share a cache entry");
        }
        try (TextEmbedder again = new TextEmbedder(ClipTokenizer.load(dir.resolve("tokenizer")), dir.resolve("text_encoder/model.onnx"), width, cache,
                dev.erasekit.error.Warnings.DEBUG_LOG)) {
            again.embed(prompts.get(1).asText());
            assertEquals(0, again.encodedCount(), "served from the cache");
        }
    }
}
