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
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Prompt → embedding with an on-disk cache keyed by (text-encoder fingerprint, prompt's token ids),
 * so repeated edits do not re-encode. The ONNX Runtime session opens on the first cache miss. The cache holds
 * one checked entry per prompt ({@link CacheFile}) under {@code <cache>/embeddings/<encoder fingerprint>/};
 * the default cache is {@link CacheRoot#defaultRoot()}. A model with two encoders (SDXL) gets what
 * {@code StableDiffusionXLPipeline.encode_prompt} builds: each tokenizer's ids through its encoder, the
 * hidden states concatenated in encoder order, and the pooled embedding; the cache key then covers both
 * encoders and both tokenizations. Thread-safe; close it to release the encoder sessions.
 */
public final class TextEmbedder implements AutoCloseable {
    /**
     * One encoder of the model's text stack. Immutable; thread-safe.
     *
     * @param tokenizer   its tokenizer
     * @param file        its ONNX graph
     * @param width       its hidden width
     * @param penultimate whether its penultimate hidden state (SDXL) is read instead of the last
     * @param pooledWidth the width of its pooled {@code text_embeds} the model takes, or 0
     */
    public record Encoder(ClipTokenizer tokenizer, Path file, int width, boolean penultimate, int pooledWidth) {
    }

    private final List<Encoder> stack;
    private final ClipTokenizer tokenizer;
    private final Path cacheRoot;
    private final List<List<Path>> encoderFiles;
    /** Done at construction when the cache remembers it; else hashed on a daemon thread (cache) or on first use (none). */
    private final CompletableFuture<String> encoderFingerprint = new CompletableFuture<>();
    /** Whether the first miss should open the sessions while the hash still runs (a first use: nothing cached yet). */
    private final boolean overlapHash;
    private final int width;
    private final int pooledWidth;
    private final Warnings warnings;
    private final Supplier<OrtSession.SessionOptions> sessionOptions;
    private final Object encoderLock = new Object();
    private final ReentrantReadWriteLock sessionLock = new ReentrantReadWriteLock();
    private volatile List<TextEncoder> encoders;
    private final AtomicInteger encoded = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param width     the embedding width the model expects (the UNet's cross-attention width)
     * @param cacheRoot the cache folder, or null for none
     */
    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, int width, Path cacheRoot, Warnings warnings) {
        this(tokenizer, encoderFile, width, cacheRoot, warnings, OrtOptions::textEncoder);
    }

    /** As above, the encoder's session created with options from {@code sessionOptions} (owned by the session). */
    public TextEmbedder(ClipTokenizer tokenizer, Path encoderFile, int width, Path cacheRoot, Warnings warnings,
                        Supplier<OrtSession.SessionOptions> sessionOptions) {
        this(List.of(new Encoder(tokenizer, encoderFile, width, false, 0)), cacheRoot, warnings, sessionOptions);
    }

    /**
     * An embedder over the model's text stack ({@code stack} in concatenation order; the pooled
     * embedding comes from the encoder with a pooled width), sessions created with options from
     * {@code sessionOptions}.
     */
    public TextEmbedder(List<Encoder> stack, Path cacheRoot, Warnings warnings, Supplier<OrtSession.SessionOptions> sessionOptions) {
        if (stack.isEmpty()) throw new IllegalArgumentException("no text encoder");
        this.stack = List.copyOf(stack);
        this.sessionOptions = sessionOptions;
        this.tokenizer = stack.getFirst().tokenizer();
        this.width = stack.stream().mapToInt(Encoder::width).sum();
        this.pooledWidth = stack.stream().mapToInt(Encoder::pooledWidth).sum();
        this.warnings = warnings;
        this.cacheRoot = cacheRoot;
        this.encoderFiles = stack.stream().map(e -> encoderFiles(e.file())).toList();
        List<Optional<String>> known = encoderFiles.stream().map(f -> FileFingerprints.known(f, cacheRoot)).toList();
        if (known.stream().allMatch(Optional::isPresent)) {
            encoderFingerprint.complete(combine(known.stream().map(Optional::get).toList()));
        }
        // Hashing a 0.5 GB encoder the first time takes 0.4-0.9 s, its session as long again: with a cache,
        // hash on a daemon thread while the first miss opens the session (there is nothing cached for an
        // encoder whose hash the cache does not remember, so that first call will need the session).
        this.overlapHash = cacheRoot != null && !encoderFingerprint.isDone();
        if (overlapHash) {
            Thread.ofPlatform().daemon().name("erasekit-hash-text-encoder").start(() -> {
                try {
                    encoderFingerprint.complete(hashNow());
                } catch (Throwable t) {
                    encoderFingerprint.completeExceptionally(t);
                }
            });
        }
    }

    /** Every encoder's files hashed (remembered in the cache), combined. */
    private String hashNow() {
        return combine(encoderFiles.stream().map(f -> FileFingerprints.of(f, cacheRoot)).toList());
    }

    /** One encoder: its own fingerprint (caches written before SDXL stay valid); several: a digest of theirs. */
    private static String combine(List<String> prints) {
        return prints.size() == 1 ? prints.getFirst()
                : HexFormat.of().formatHex(sha256().digest(String.join("+", prints).getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 16);
    }

    /** The default cache folder ({@link CacheRoot#defaultRoot()}). */
    public static Path defaultCacheRoot() {
        return CacheRoot.defaultRoot();
    }

    /** The embedding width (columns of every embedding). */
    public int width() {
        return width;
    }

    /** The pooled embedding's width (SDXL's text_embeds), or 0 when the model takes none. */
    public int pooledWidth() {
        return pooledWidth;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** SHA-256 (first 16 bytes, hex) of the encoder file and its external data, if any (hashed on first need). */
    public String encoderFingerprint() {
        if (!encoderFingerprint.isDone() && !overlapHash) encoderFingerprint.complete(hashNow());
        try {
            return encoderFingerprint.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
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
        List<int[][]> ids = new ArrayList<>(); // per prompt, each encoder's ids
        for (String p : prompts) {
            Tokens t = tokenizer.encode(p);
            if (t.truncated() > 0) {
                warnings.warn(String.format("prompt longer than 77 tokens; %,d tokens cut off: \"%s\"", t.truncated(), abbreviate(p)));
            }
            tokens.add(t);
            int[][] each = new int[stack.size()][];
            each[0] = t.ids();
            for (int k = 1; k < stack.size(); k++) each[k] = stack.get(k).tokenizer().encode(p).ids();
            ids.add(each);
        }
        int rows = ClipTokenizer.MAX_LENGTH;
        long[] shape = pooledWidth == 0 ? new long[] {rows, width} : new long[] {(long) rows * width + pooledWidth};
        PromptEmbedding[] out = new PromptEmbedding[prompts.size()];
        // prompts that tokenize alike ("" and " ", a prompt given twice) share one entry: looked up and encoded once
        java.util.Map<String, List<Integer>> byKey = new java.util.LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) byKey.computeIfAbsent(key(ids.get(i)), k -> new ArrayList<>()).add(i);
        java.util.Map<String, List<Integer>> misses = new java.util.LinkedHashMap<>();
        if (overlapHash && !encoderFingerprint.isDone()) encoders(); // the session opens while the hash finishes
        String fingerprint = cacheRoot == null ? null : encoderFingerprint();
        Path cacheDir = cacheRoot == null ? null : cacheRoot.resolve("embeddings").resolve(fingerprint);
        for (var e : byKey.entrySet()) {
            String key = e.getKey();
            Path cached = cacheDir == null ? null : cacheDir.resolve(key + ".safetensors");
            if (cached != null) {
                switch (CacheFile.readFloats(cached, fingerprint + "/" + key, shape)) {
                    case CacheFile.Lookup.Hit<float[]> hit -> {
                        for (int i : e.getValue()) out[i] = unpack(tokens.get(i), hit.values());
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
            List<float[]> packed;
            sessionLock.readLock().lock(); // a release waits for the encodes in flight
            try {
                packed = encodeAll(keys.stream().map(k -> ids.get(misses.get(k).getFirst())).toList());
            } finally {
                sessionLock.readLock().unlock();
            }
            for (int k = 0; k < keys.size(); k++) {
                encoded.incrementAndGet();
                if (cacheDir != null) store(cacheDir.resolve(keys.get(k) + ".safetensors"), fingerprint + "/" + keys.get(k), shape, packed.get(k));
                for (int i : misses.get(keys.get(k))) out[i] = unpack(tokens.get(i), packed.get(k));
            }
        }
        return List.of(out);
    }

    /**
     * Each prompt through every encoder: the hidden states side by side (77 × width, row-major), then the
     * pooled embedding, in one array (the cache entry's layout).
     */
    private List<float[]> encodeAll(List<int[][]> prompts) {
        int rows = ClipTokenizer.MAX_LENGTH;
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) out.add(new float[rows * width + pooledWidth]);
        int col = 0;
        List<TextEncoder> sessions = encoders();
        for (int k = 0; k < stack.size(); k++) {
            int kk = k, w = stack.get(k).width();
            List<TextEncoder.Encoded> enc = sessions.get(k).encode(prompts.stream().map(p -> p[kk]).toList());
            for (int i = 0; i < prompts.size(); i++) {
                FloatMatrix r = enc.get(i).rows();
                if (r.rows() != rows || r.cols() != w) {
                    throw new CorruptFileException(stack.get(k).file() + " produces embeddings [" + r.rows() + ", " + r.cols() + "], but"
                            + " the model's configs and UNet expect [77, " + w + "]: the text encoder does not belong to this model");
                }
                float[] dst = out.get(i);
                for (int t = 0; t < rows; t++) System.arraycopy(r.data(), t * w, dst, t * width + col, w);
                if (stack.get(k).pooledWidth() > 0) {
                    float[] p = enc.get(i).pooled();
                    if (p.length != pooledWidth) {
                        throw new CorruptFileException(stack.get(k).file() + " produces a pooled embedding of width " + p.length
                                + ", but its config says " + pooledWidth);
                    }
                    System.arraycopy(p, 0, dst, rows * width, pooledWidth);
                }
            }
            col += w;
        }
        return out;
    }

    private PromptEmbedding unpack(Tokens t, float[] packed) {
        int n = ClipTokenizer.MAX_LENGTH * width;
        if (pooledWidth == 0) return new PromptEmbedding(t, new FloatMatrix(ClipTokenizer.MAX_LENGTH, width, packed));
        return new PromptEmbedding(t, new FloatMatrix(ClipTokenizer.MAX_LENGTH, width, Arrays.copyOf(packed, n)),
                Arrays.copyOfRange(packed, n, n + pooledWidth));
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
                if (encoders != null) {
                    encoders.forEach(TextEncoder::close);
                    encoders = null;
                }
            }
        } finally {
            sessionLock.writeLock().unlock();
        }
    }

    private List<TextEncoder> encoders() {
        List<TextEncoder> e = encoders;
        if (e != null) return e;
        synchronized (encoderLock) {
            if (closed) throw new IllegalStateException("the text embedder is closed");
            if (encoders == null) {
                List<TextEncoder> open = new ArrayList<>();
                try {
                    for (Encoder x : stack) open.add(new TextEncoder(x.file(), sessionOptions.get(), x.penultimate(), x.pooledWidth() > 0));
                } catch (RuntimeException x) {
                    open.forEach(TextEncoder::close);
                    throw x;
                }
                encoders = List.copyOf(open);
            }
            return encoders;
        }
    }

    private void store(Path cached, String key, long[] shape, float[] values) {
        try {
            CacheFile.writeFloats(cached, key, shape, values);
        } catch (ErasekitException e) {
            // a cache that cannot be written only costs time
            warnings.warn("cannot write the embedding cache (" + e.getMessage() + ")");
        }
    }

    /** The cache key: every encoder's token ids (prompts that tokenize alike, such as "" and " ", share an entry). */
    private static String key(int[][] ids) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(Arrays.stream(ids).mapToInt(x -> x.length).sum() * 4);
        for (int[] each : ids) for (int id : each) b.putInt(id);
        return HexFormat.of().formatHex(sha256().digest(b.array()), 0, 16);
    }

    /** The encoder's files the fingerprint covers (graph and external data; not its JSON), in order. */
    private static List<Path> encoderFiles(Path encoderFile) {
        try (var files = Files.list(encoderFile.getParent())) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".json")).sorted().toList();
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
                if (encoders != null) encoders.forEach(TextEncoder::close);
            }
        } finally {
            sessionLock.writeLock().unlock();
        }
    }
}
