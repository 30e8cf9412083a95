package dev.erasekit.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.FileFingerprints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding cache's key, the text encoder's SHA-256: hashed on a daemon thread on first use while the
 * session opens, remembered by file identity after, computed on demand without a cache; the folder it
 * names is the same in every case (caches written by earlier builds stay valid).
 */
class EmbeddingCacheKeyTest {
    private static final List<String> PROMPTS = List.of("a photo of a cat", "", "a red circle");

    @Test
    void theKeyIsTheEncodersHashHoweverItWasComputed(@TempDir Path tmp) throws IOException {
        Path encoder = copyEncoder(tmp.resolve("model"));
        Path file = encoder.resolve("model.onnx");
        List<Path> files = List.of(file);
        String sha = FileFingerprints.of(files, null);
        Path cache = tmp.resolve("cache");
        assertTrue(FileFingerprints.known(files, cache).isEmpty(), "a new cache remembers nothing");

        List<float[]> first;
        try (TextEmbedder e = embedder(encoder, cache)) { // first use: hashed while the session opens
            first = PROMPTS.stream().map(p -> e.embed(p).rows().data()).toList();
            assertEquals(PROMPTS.size(), e.encodedCount());
            assertEquals(sha, e.encoderFingerprint());
        }
        assertEquals(sha, FileFingerprints.known(files, cache).orElseThrow(), "remembered by file identity");
        assertTrue(Files.isDirectory(cache.resolve("embeddings").resolve(sha)), "entries under embeddings/<SHA-256>");

        try (TextEmbedder e = embedder(encoder, cache)) { // remembered: no hash, every prompt a hit
            for (int i = 0; i < PROMPTS.size(); i++) assertArrayEquals(first.get(i), e.embed(PROMPTS.get(i)).rows().data());
            assertEquals(0, e.encodedCount());
        }

        // a new modification time: not remembered, so hashed again (and the session opened meanwhile); same
        // content, same key, the entries still served
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5_000));
        assertTrue(FileFingerprints.known(files, cache).isEmpty());
        try (TextEmbedder e = embedder(encoder, cache)) {
            assertArrayEquals(first.get(0), e.embed(PROMPTS.get(0)).rows().data());
            assertEquals(0, e.encodedCount(), "same content, same key");
            assertEquals(sha, e.encoderFingerprint());
        }

        try (TextEmbedder e = embedder(encoder, null)) { // no cache: the key only when asked
            assertArrayEquals(first.get(2), e.embed(PROMPTS.get(2)).rows().data());
            assertEquals(sha, e.encoderFingerprint());
        }
    }

    private static TextEmbedder embedder(Path encoder, Path cache) throws IOException {
        Path model = encoder.getParent();
        return new TextEmbedder(ClipTokenizer.load(model.resolve("tokenizer")), encoder.resolve("model.onnx"), 32, cache, Warnings.DEBUG_LOG);
    }

    /** tiny-sd's tokenizer and text encoder, copied (the fixture itself is never touched). */
    private static Path copyEncoder(Path model) throws IOException {
        for (String part : List.of("tokenizer", "text_encoder")) {
            Path from = Fixtures.tinySd().resolve(part), to = model.resolve(part);
            Files.createDirectories(to);
            try (var files = Files.list(from)) {
                for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return model.resolve("text_encoder");
    }
}
