package dev.erasekit.text;

import dev.erasekit.ErasekitException;
import dev.erasekit.io.Npy;
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
 * one .npy per prompt under {@code <cache>/embeddings/<encoder fingerprint>/}; the default cache is
 * {@code $ERASEKIT_CACHE}, else {@code $XDG_CACHE_HOME/erasekit}, else {@code ~/.cache/erasekit}.
 */
public final class TextEmbedder implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final Path encoderFile;
    private final Path cacheDir;
    private final String encoderFingerprint;
    private TextEncoder encoder;
    private int encoded;

    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, Path cacheRoot) {
        this.tokenizer = tokenizer;
        this.encoderFile = encoderFile;
        this.encoderFingerprint = fingerprint(encoderFile);
        this.cacheDir = cacheRoot == null ? null : cacheRoot.resolve("embeddings").resolve(encoderFingerprint);
    }

    public static Path defaultCacheRoot() {
        String env = System.getenv("ERASEKIT_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "erasekit");
        return Path.of(System.getProperty("user.home"), ".cache", "erasekit");
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
            System.getLogger(TextEmbedder.class.getName()).log(System.Logger.Level.WARNING,
                    "prompt longer than 77 tokens; {0} tokens cut off: \"{1}\"", tokens.truncated(), prompt);
        }
        Path cached = cacheDir == null ? null : cacheDir.resolve(key(tokens.ids()) + ".npy");
        if (cached != null && Files.exists(cached)) {
            Npy npy = Npy.read(cached);
            return new PromptEmbedding(tokens, new FloatMatrix((int) npy.shape()[0], (int) npy.shape()[1], npy.floats()));
        }
        if (encoder == null) encoder = new TextEncoder(encoderFile);
        FloatMatrix rows = encoder.encode(tokens.ids());
        encoded++;
        if (cached != null) store(cached, rows);
        return new PromptEmbedding(tokens, rows);
    }

    private static void store(Path cached, FloatMatrix rows) {
        try {
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), ".emb", ".tmp");
            Npy.writeFloats(tmp, new long[] {rows.rows(), rows.cols()}, rows.data());
            Files.move(tmp, cached, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // a cache that cannot be written only costs time
            System.getLogger(TextEmbedder.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot write the embedding cache {0}: {1}", cached, e.getMessage());
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
            throw new ErasekitException("cannot read the text encoder " + encoderFile + ": " + e.getMessage(), e);
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
