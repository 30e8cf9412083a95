package dev.erasekit.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every published/generated CLIP test vector, and diffusers' own ids for the fixture prompts. */
class ClipTokenizerTest {
    private static final ClipTokenizer TOKENIZER = ClipTokenizer.load(Fixtures.tinySd().resolve("tokenizer"));
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<JsonNode> generatedVectors() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.path("clip_tokenizer/clip_tokenization_test_vectors.jsonl"))) {
            if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generatedVectors")
    void reproducesGeneratedVector(JsonNode v) {
        Tokens t = TOKENIZER.encode(v.get("prompt").asText());
        int[] want77 = JSON.convertValue(v.get("input_ids_77"), int[].class);
        assertArrayEquals(want77, t.ids(), v.get("prompt").asText());
        List<String> pieces = JSON.convertValue(v.get("bpe_tokens"), List.class);
        int n = Math.min(pieces.size(), 75);
        assertEquals(pieces.subList(0, n), t.pieces());
        assertEquals(v.get("ids").size() - 2, t.contentLength() + t.truncated(), "untruncated token count");
    }

    @Test
    void reproducesPublishedVectors() throws IOException {
        for (JsonNode v : JSON.readTree(Fixtures.path("clip_tokenizer/published_test_vectors.json").toFile())) {
            int[] want = JSON.convertValue(v.get("ids"), int[].class);
            int[] got = TOKENIZER.encode(v.get("prompt").asText()).ids();
            assertArrayEquals(want, java.util.Arrays.copyOf(got, want.length), v.get("source").asText());
        }
    }

    @Test
    void reproducesDiffusersTokenIds() throws IOException {
        JsonNode index = JSON.readTree(Fixtures.path("tiny-sd/reference/index.json").toFile());
        JsonNode prompts = index.get("files").get("token_ids").get("prompts");
        long[] ids = Npy.read(Fixtures.path("tiny-sd/reference/token_ids.npy")).longs();
        long[] mask = Npy.read(Fixtures.path("tiny-sd/reference/attention_mask.npy")).longs();
        for (int p = 0; p < prompts.size(); p++) {
            Tokens t = TOKENIZER.encode(prompts.get(p).asText());
            int maskSum = 0;
            for (int i = 0; i < 77; i++) {
                assertEquals(ids[p * 77 + i], t.ids()[i], "prompt " + p + " token " + i);
                assertEquals(mask[p * 77 + i], t.attentionMask()[i], "prompt " + p + " mask " + i);
                maskSum += (int) mask[p * 77 + i];
            }
            assertEquals(maskSum - 2, t.lastWordIndex(), "UCE's final token index");
        }
    }

    @Test
    void longPromptsAreTruncatedTo75ContentTokens() {
        Tokens t = TOKENIZER.encode("a ".repeat(100));
        assertEquals(75, t.contentLength());
        assertEquals(25, t.truncated());
        assertEquals(ClipTokenizer.EOS, t.ids()[76]);
    }

    /** CLIP's reference bpe, written out as simple_tokenizer.py does it (quadratic): the oracle for the fast one. */
    static List<String> referenceBpe(String word, java.util.Map<String, Integer> ranks) {
        List<String> w = new ArrayList<>();
        word.codePoints().forEach(cp -> w.add(Character.toString(cp)));
        w.set(w.size() - 1, w.getLast() + "</w>");
        while (w.size() > 1) {
            String best = null;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < w.size(); i++) {
                Integer r = ranks.get(w.get(i) + " " + w.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = w.get(i) + " " + w.get(i + 1);
                }
            }
            if (best == null) break;
            String[] pair = best.split(" ");
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < w.size(); i++) {
                if (i + 1 < w.size() && w.get(i).equals(pair[0]) && w.get(i + 1).equals(pair[1])) {
                    merged.add(pair[0] + pair[1]);
                    i++;
                } else {
                    merged.add(w.get(i));
                }
            }
            w.clear();
            w.addAll(merged);
        }
        return w;
    }

    @Test
    void fastBpeEqualsTheReferenceOnRandomWords() throws IOException {
        List<String> lines = Files.readAllLines(Fixtures.tinySd().resolve("tokenizer/merges.txt"));
        java.util.Map<String, Integer> ranks = new java.util.HashMap<>();
        for (int i = 1; i < lines.size() && i <= ClipTokenizer.MERGES; i++) ranks.put(lines.get(i).trim(), i - 1);
        long seed = dev.erasekit.TestSeeds.seed("bpe words");
        java.util.Random r = new java.util.Random(seed);
        String alphabet = "aaaabbcdeeeefghiiijklmnnoooprrssstttuvwxyz";
        for (int trial = 0; trial < 400; trial++) {
            StringBuilder w = new StringBuilder();
            int n = 1 + r.nextInt(trial < 50 ? 4 : 40);
            boolean repeat = trial % 10 == 0;
            for (int i = 0; i < n; i++) w.append(repeat ? 'a' : alphabet.charAt(r.nextInt(alphabet.length())));
            List<String> want = referenceBpe(w.toString(), ranks);
            Tokens t = TOKENIZER.encode(w.toString());
            assertEquals(want.subList(0, Math.min(75, want.size())), t.pieces(), "\"" + w + "\" (seed " + seed + ")");
            assertEquals(want.size(), t.contentLength() + t.truncated(), "\"" + w + "\" (seed " + seed + ")");
        }
    }

    @Test
    void aHundredThousandLetterWordDoesNotHang() {
        // the reference algorithm is quadratic (26 s for this word on 2 cores): a hang guard with 100× margin, not a speed target
        Tokens t = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> TOKENIZER.encode("abcdefghij".repeat(10_000)));
        assertEquals(75, t.contentLength());
        assertTrue(t.truncated() > 1000, "truncated " + t.truncated());
    }
}
