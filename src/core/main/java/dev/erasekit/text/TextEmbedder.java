package dev.erasekit.text;

import ai.onnxruntime.OrtSession;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.CacheFile;
import dev.erasekit.io.CacheRoot;
import dev.erasekit.io.FileFingerprints;
import dev.erasekit.ort.OrtOptions;
import dev.erasekit.tensor.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Prompt → embedding with an on-disk cache keyed by (text-encoder fingerprint, prompt's token ids),
 * so repeated edits do not re-encode. The ONNX Runtime session opens on the first cache miss. The cache holds
 * one checked entry per prompt ({@link CacheFile}) under {@code <cache>/embeddings/<encoder fingerprint>/};
 * the default cache is {@link CacheRoot#defaultRoot()}. Thread-safe; close it to release the encoder session.
 */
public final class TextEmbedder implements AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final Path encoderFile;
    private final Path cacheDir;
    private final String encoderFingerprint;
    private final int width;
    private final Warnings warnings;
    private final Supplier<OrtSession.SessionOptions> sessionOptions;
    private final Object encoderLock = new Object();
    private final ReentrantReadWriteLock sessionLock = new ReentrantReadWriteLock();
    private volatile TextEncoder encoder;
    private final AtomicInteger encoded = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param width     the embedding width the model expects (the UNet's cross-attention width)
     * @param cacheRoot the cache folder, or null for none
     */
    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, int width, Path cacheRoot, Warnings warnings) {
        this(tokenizer, encoderFile, width, cacheRoot, warnings, OrtOptions::cpu);
    }

    /** As above, the encoder's session created with options from {@code sessionOptions} (owned by the session). */
    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, int width, Path cacheRoot, Warnings warnings,
                        Supplier<OrtSession.SessionOptions> sessionOptions) {
        this.sessionOptions = sessionOptions;
        this.tokenizer = tokenizer;
        this.encoderFile = encoderFile;
        this.width = width;
        this.warnings = warnings;
        this.encoderFingerprint = fingerprint(encoderFile, cacheRoot);
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
        return encoded.get();
    }

    /** One prompt's embedding (from the cache, or encoded). */
    public PromptEmbedding embed(String prompt) {
        return embedAll(List.of(prompt)).getFirst();
    }

    /**
     * Every prompt's embedding, in order: cache hits read, the misses encoded in batches and cached.
     * Thread-safe; concurrent calls share the encoder.
     */
    public List<PromptEmbedding> embedAll(List<String> prompts) {
        if (closed) throw new IllegalStateException("the text embedder is closed");
        List<Tokens> tokens = new ArrayList<>();
        for (String p : prompts) {
            Tokens t = tokenizer.encode(p);
            if (t.truncated() > 0) {
                warnings.warn(String.format("prompt longer than 77 tokens; %,d tokens cut off: \"%s\"", t.truncated(), abbreviate(p)));
            }
            tokens.add(t);
        }
        long[] shape = {ClipTokenizer.MAX_LENGTH, width};
        PromptEmbedding[] out = new PromptEmbedding[prompts.size()];
        // prompts that tokenize alike ("" and " ", a prompt given twice) share one entry: looked up and encoded once
        java.util.Map<String, List<Integer>> byKey = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) byKey.computeIfAbsent(key(tokens.get(i).ids()), k -> new ArrayList<>()).add(i);
        java.util.Map<String, List<Integer>> misses = new java.util.LinkedHashMap<>();
        for (var e : byKey.entrySet()) {
            String key = e.getKey();
            Path cached = cacheDir == null ? null : cacheDir.resolve(key + ".safetensors");
            if (cached != null) {
                switch (CacheFile.readFloats(cached, encoderFingerprint + "/" + key, shape)) {
                    case CacheFile.Lookup.Hit<float[]> hit -> {
                        FloatMatrix rows = new FloatMatrix((int) shape[0], (int) shape[1], hit.values());
                        for (int i : e.getValue()) out[i] = new PromptEmbedding(tokens.get(i), rows);
                        continue;
                    }
                    case CacheFile.Lookup.Bad<float[]> bad -> warnings.warn("ignoring the cache entry " + cached + " (" + bad.reason()
                            + "); recomputing it");
                    case CacheFile.Lookup.Miss<float[]> miss -> { }
                }
            }
            misses.put(key, e.getValue());
        }
        if (!misses.isEmpty()) {
            List<String> keys = new ArrayList<>(misses.keySet());
            List<FloatMatrix> rows;
            sessionLock.readLock().lock(); // a release waits for the encodes in flight
            try {
                rows = encoder().encode(keys.stream().map(k -> tokens.get(misses.get(k).getFirst()).ids()).toList());
            } finally {
                sessionLock.readLock().unlock();
            }
            for (int k = 0; k < keys.size(); k++) {
                FloatMatrix r = rows.get(k);
                if (r.rows() != shape[0] || r.cols() != width) {
                    throw new CorruptFileException(encoderFile + " produces embeddings [" + r.rows() + ", " + r.cols() + "], but"
                            + " the model's configs and UNet expect [77, " + width + "]: the text encoder does not belong to this model");
                }
                encoded.incrementAndGet();
                if (cacheDir != null) store(cacheDir.resolve(keys.get(k) + ".safetensors"), encoderFingerprint + "/" + keys.get(k), r);
                for (int i : misses.get(keys.get(k))) out[i] = new PromptEmbedding(tokens.get(i), r);
            }
        }
        return List.of(out);
    }

    /** The prompt's first 60 characters (a warning names the prompt, it does not echo it). */
    static String abbreviate(String prompt) {
        return prompt.length() <= 60 ? prompt : prompt.substring(0, 57) + "…";
    }

    /**
     * Closes the encoder's session, if open, once the encodes in flight are done; the next miss opens it
     * again (a one-shot caller's way to drop its ~0.5 GB before the UNet runs).
     */
    public void releaseEncoder() {
        sessionLock.writeLock().lock();
        try {
            synchronized (encoderLock) {
                if (encoder != null) {
                    encoder.close();
                    encoder = null;
                }
            }
        } finally {
            sessionLock.writeLock().unlock();
        }
    }

    private TextEncoder encoder() {
        TextEncoder e = encoder;
        if (e != null) return e;
        synchronized (encoderLock) {
            if (closed) throw new IllegalStateException("the text embedder is closed");
            if (encoder == null) encoder = new TextEncoder(encoderFile, sessionOptions.get());
            return encoder;
        }
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

    /** SHA-256 of the encoder's files (graph and external data; not its JSON), remembered in the cache by file identity. */
    static String fingerprint(Path encoderFile, Path cacheRoot) {
        try (var files = Files.list(encoderFile.getParent())) {
            return FileFingerprints.of(files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".json"))
                    .sorted().toList(), cacheRoot);
        } catch (IOException e) {
            throw new CorruptFileException("cannot read the text encoder " + encoderFile + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes the encoder session, if one was opened; idempotent. */
    @Override
    public void close() {
        sessionLock.writeLock().lock(); // after the encodes in flight
        try {
            synchronized (encoderLock) {
                if (closed) return;
                closed = true;
                if (encoder != null) encoder.close();
            }
        } finally {
            sessionLock.writeLock().unlock();
        }
    }
}
