package dev.erasekit.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CLIP byte-level BPE tokenizer exactly as Stable Diffusion's HF {@code CLIPTokenizer} applies it
 * (docs/methods.md §1): NFC-normalise (the part of ftfy's {@code fix_text} that matters for well-formed
 * text), collapse whitespace, lower-case; split with CLIP's regex; map each UTF-8 byte to CLIP's
 * printable byte alphabet; apply the merges ({@code merges.txt} lines 1…48,894) with {@code </w>}
 * marking word ends; BOS 49406, EOS 49407, padded to 77 with the tokenizer's pad token: EOS for SD v1.x,
 * {@code "!"} (id 0) for SD 2.x (its {@code special_tokens_map.json}).
 * <p>
 * Written in Java rather than using onnxruntime-extensions' CLIPTokenizer op because the custom-op
 * library is a separate native download per platform, while this is ~150 lines that reproduce every
 * published test vector and the diffusers reference ids. Thread-safe.
 */
public final class ClipTokenizer {
    public static final int BOS = 49406, EOS = 49407, MAX_LENGTH = 77;
    /** CLIP uses the first 49,152 − 256 − 2 merges of the file. */
    static final int MERGES = 49152 - 256 - 2;
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String[] BYTE_CHARS = byteAlphabet();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final int pad;
    private static final int CACHED_LENGTH = 64, CACHE_ENTRIES = 100_000;
    private final Map<String, List<String>> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> vocab, Map<String, Integer> ranks, int pad) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.pad = pad;
    }

    /** Loads {@code vocab.json} and {@code merges.txt} from a model's {@code tokenizer/} folder. */
    public static ClipTokenizer load(Path tokenizerDir) {
        Path vocabFile = tokenizerDir.resolve("vocab.json"), mergesFile = tokenizerDir.resolve("merges.txt");
        try {
            Map<String, Integer> vocab = new HashMap<>();
            new ObjectMapper().readTree(vocabFile.toFile()).properties()
                    .forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
            List<String> lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
            Map<String, Integer> ranks = new HashMap<>();
            for (int i = 1; i < lines.size() && i <= MERGES; i++) ranks.put(lines.get(i).trim(), i - 1);
            if (vocab.get("<|startoftext|>") == null || vocab.get("<|startoftext|>") != BOS
                    || vocab.get("<|endoftext|>") == null || vocab.get("<|endoftext|>") != EOS) {
                throw new CorruptFileException(vocabFile + " is not the CLIP vocabulary (BOS/EOS are not 49406/49407)");
            }
            return new ClipTokenizer(vocab, ranks, padId(tokenizerDir, vocab));
        } catch (NoSuchFileException e) {
            throw new CorruptFileException("tokenizer file missing: " + e.getFile());
        } catch (IOException e) {
            throw new CorruptFileException("cannot read the tokenizer in " + tokenizerDir + ": " + e.getMessage(), e);
        }
    }

    /** The pad token's id: {@code special_tokens_map.json}'s {@code pad_token} (a string or {"content": …}), EOS without one. */
    private static int padId(Path dir, Map<String, Integer> vocab) throws IOException {
        Path f = dir.resolve("special_tokens_map.json");
        if (!Files.exists(f)) return EOS;
        com.fasterxml.jackson.databind.JsonNode p = new ObjectMapper().readTree(f.toFile()).path("pad_token");
        String token = p.isTextual() ? p.asText() : p.path("content").asText(null);
        if (token == null) return EOS;
        Integer id = vocab.get(token);
        if (id == null) throw new CorruptFileException(f + ": the pad token \"" + token + "\" is not in vocab.json");
        return id;
    }

    /** The id prompts are padded with (49407 for SD v1.x, 0 for SD 2.x). */
    public int padId() {
        return pad;
    }

    /** Tokenizes one prompt to 77 ids; content past 75 tokens is cut off (see {@link Tokens#truncated()}). */
    public Tokens encode(String prompt) {
        List<String> pieces = new ArrayList<>();
        Matcher m = SPLIT.matcher(clean(prompt));
        while (m.find()) {
            String token = m.group();
            if (token.equals("<|startoftext|>") || token.equals("<|endoftext|>")) {
                pieces.add(token);
                continue;
            }
            StringBuilder mapped = new StringBuilder();
            for (byte b : token.getBytes(StandardCharsets.UTF_8)) mapped.append(BYTE_CHARS[b & 0xff]);
            String key = mapped.toString();
            if (key.length() > CACHED_LENGTH) {
                pieces.addAll(bpe(key));
            } else {
                if (cache.size() > CACHE_ENTRIES) cache.clear(); // bounded: a server tokenizes unbounded text
                pieces.addAll(cache.computeIfAbsent(key, this::bpe));
            }
        }
        int content = Math.min(pieces.size(), MAX_LENGTH - 2);
        int[] ids = new int[MAX_LENGTH];
        java.util.Arrays.fill(ids, pad);
        ids[0] = BOS;
        ids[content + 1] = EOS;
        for (int i = 0; i < content; i++) {
            Integer id = vocab.get(pieces.get(i));
            if (id == null) {
                throw new CorruptFileException("the tokenizer's vocab.json has no entry for the BPE piece \"" + pieces.get(i)
                        + "\" that its merges.txt produces: the two files do not belong together");
            }
            ids[i + 1] = id;
        }
        return new Tokens(prompt, ids, List.copyOf(pieces.subList(0, content)), content, pieces.size() - content);
    }

    static String clean(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        return WHITESPACE.matcher(nfc).replaceAll(" ").strip().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Byte-pair merges of one pre-token (already in the byte alphabet), as CLIP's reference {@code bpe}:
     * repeatedly take the lowest-ranked adjacent pair and merge every occurrence of it, left to right,
     * then look again. Done with a linked list of symbols and a priority queue of pairs, one "round"
     * per rank, so a pre-token of n characters costs O(n log n) rather than the reference's O(n²)
     * (a 100,000-letter word: milliseconds, not half a minute); the rounds keep the reference's order
     * exactly (pairs created by a round's merges wait for the next round).
     */
    private List<String> bpe(String token) {
        int n = token.codePointCount(0, token.length());
        String[] sym = new String[n];
        int[] next = new int[n], prev = new int[n], version = new int[n];
        int k = 0;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            sym[k] = Character.toString(cp);
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
            k++;
            i += Character.charCount(cp);
        }
        sym[n - 1] = sym[n - 1] + "</w>";
        boolean[] dead = new boolean[n];
        // entries: {rank, left, right, version of left, version of right}
        PriorityQueue<int[]> pairs = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]));
        for (int i = 0; i + 1 < n; i++) offer(pairs, sym, version, i, i + 1);
        List<int[]> round = new ArrayList<>();
        while (!pairs.isEmpty()) {
            int rank = pairs.peek()[0];
            round.clear();
            while (!pairs.isEmpty() && pairs.peek()[0] == rank) round.add(pairs.poll());
            round.sort((a, b) -> Integer.compare(a[1], b[1]));
            for (int[] e : round) {
                int l = e[1], r = e[2];
                if (dead[l] || dead[r] || next[l] != r || version[l] != e[3] || version[r] != e[4]) continue;
                sym[l] = sym[l] + sym[r];
                dead[r] = true;
                next[l] = next[r];
                if (next[r] >= 0) prev[next[r]] = l;
                version[l]++;
                if (prev[l] >= 0) offer(pairs, sym, version, prev[l], l);
                if (next[l] >= 0) offer(pairs, sym, version, l, next[l]);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) out.add(sym[i]);
        return List.copyOf(out);
    }

    private void offer(PriorityQueue<int[]> pairs, String[] sym, int[] version, int l, int r) {
        Integer rank = ranks.get(sym[l] + " " + sym[r]);
        if (rank != null) pairs.add(new int[] {rank, l, r, version[l], version[r]});
    }

    /** CLIP's reversible byte → printable-character table (bytes_to_unicode in the reference code). */
    private static String[] byteAlphabet() {
        String[] out = new String[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int extra = 0;
        for (int b = 0; b < 256; b++) out[b] = Character.toString(printable[b] ? b : 256 + extra++);
        return out;
    }
}
