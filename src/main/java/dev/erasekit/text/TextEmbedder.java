package dev.erasekit.text;

import dev.erasekit.CorruptFileException;
import dev.erasekit.ErasekitException;
import dev.erasekit.Warnings;
import dev.erasekit.io.CacheFile;
import dev.erasekit.io.CacheRoot;
import dev.erasekit.linalg.FloatMatrix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Prompt → embedding with an on-disk cache keyed by (text-encoder fingerprint, prompt's token ids),
 * so repeated edits do not re-encode. The ONNX Runtime session opens on the first cache miss. The cache holds
 * one checked entry per prompt ({@link CacheFile}) under {@code <cache>/embeddings/<encoder fingerprint>/};
 * the default cache is {@link CacheRoot#defaultRoot()}.
 */
public final class TextEmbedder implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final Path encoderFile;
    private final Path cacheDir;
    private final String encoderFingerprint;
    private final int width;
    private final Warnings warnings;
    private TextEncoder encoder;
    private int encoded;

    /**
     * @param width     the embedding width the model expects (the UNet's cross-attention width)
     * @param cacheRoot the cache folder, or null for none
     */
    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, int width, Path cacheRoot, Warnings warnings) {
        this.tokenizer = tokenizer;
        this.encoderFile = encoderFile;
        this.width = width;
        this.warnings = warnings;
        this.encoderFingerprint = fingerprint(encoderFile);
        this.cacheDir = cacheRoot == null ? null : cacheRoot.resolve("embeddings").resolve(encoderFingerprint);
    }

    /** The default cache folder ({@link CacheRoot#defaultRoot()}). */
    public static Path defaultCacheRoot() {
        return CacheRoot.defaultRoot();
    }

    /** The embedding width (columns of every embedding). */
    public int width() {
        return width;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** SHA-256 (first 16 bytes, hex) of the encoder file and its external data, if any. */
    public String encoderFingerprint() {
        return encoderFingerprint;
    }

    /** How many prompts were run through the encoder (cache misses) so far. */
    public int encodedCount() {
        return encoded;
    }

    public synchronized PromptEmbedding embed(String prompt) {
        Tokens tokens = tokenizer.encode(prompt);
        if (tokens.truncated() > 0) {
            warnings.warn(String.format("prompt longer than 77 tokens; %,d tokens cut off: \"%s\"", tokens.truncated(),
                    abbreviate(prompt)));
        }
        String key = key(tokens.ids());
        Path cached = cacheDir == null ? null : cacheDir.resolve(key + ".safetensors");
        long[] shape = {ClipTokenizer.MAX_LENGTH, width()};
        if (cached != null) {
            switch (CacheFile.readFloats(cached, encoderFingerprint + "/" + key, shape)) {
                case CacheFile.Lookup.Hit<float[]> hit -> {
                    return new PromptEmbedding(tokens, new FloatMatrix((int) shape[0], (int) shape[1], hit.values()));
                }
                case CacheFile.Lookup.Bad<float[]> bad -> warnings.warn("ignoring the cache entry " + cached + " (" + bad.reason()
                        + "); recomputing it");
                case CacheFile.Lookup.Miss<float[]> miss -> { }
            }
        }
        FloatMatrix rows = encoder().encode(tokens.ids());
        if (rows.rows() != shape[0] || rows.cols() != width) {
            throw new CorruptFileException(encoderFile + " produces embeddings [" + rows.rows() + ", " + rows.cols() + "], but the"
                    + " model's configs and UNet expect [77, " + width + "]: the text encoder does not belong to this model");
        }
        encoded++;
        if (cached != null) store(cached, encoderFingerprint + "/" + key, rows);
        return new PromptEmbedding(tokens, rows);
    }

    /** The prompt's first 60 characters (a warning names the prompt, it does not echo it). */
    static String abbreviate(String prompt) {
        return prompt.length() <= 60 ? prompt : prompt.substring(0, 57) + "…";
    }

    private TextEncoder encoder() {
        if (encoder == null) encoder = new TextEncoder(encoderFile);
        return encoder;
    }

    private void store(Path cached, String key, FloatMatrix rows) {
        try {
            CacheFile.writeFloats(cached, key, new long[] {rows.rows(), rows.cols()}, rows.data());
        } catch (ErasekitException e) {
            // a cache that cannot be written only costs time
            warnings.warn("cannot write the embedding cache (" + e.getMessage() + ")");
        }
    }

    /** The cache key: the token ids (prompts that tokenize alike, such as "" and " ", share an entry). */
    private static String key(int[] ids) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(ids.length * 4);
        for (int id : ids) b.putInt(id);
        return HexFormat.of().formatHex(sha256().digest(b.array()), 0, 16);
    }

    static String fingerprint(Path encoderFile) {
        MessageDigest sha = sha256();
        try (var files = Files.list(encoderFile.getParent())) {
            for (Path p : files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".json"))
                    .sorted().toList()) {
                try (InputStream in = new DigestInputStream(Files.newInputStream(p), sha)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        } catch (IOException e) {
            throw new CorruptFileException("cannot read the text encoder " + encoderFile + ": " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (encoder != null) encoder.close();
    }
}
