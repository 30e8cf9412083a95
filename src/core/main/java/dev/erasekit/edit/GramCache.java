package dev.erasekit.edit;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.Warnings;
import dev.erasekit.io.CacheFile;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.tensor.LayerWeights;
import java.nio.file.Path;
import java.util.List;

/**
 * G = Σ_l W_lᵀW_l of one base model (docs/methods.md §3), computed once and cached on disk by the
 * base fingerprint as a checked entry ({@link CacheFile}: a damaged one is recomputed with a warning).
 * Thread-safe: concurrent callers wait for the one computation.
 */
public final class GramCache {
    private final List<LayerWeights> weights;
    private final String fingerprint;
    private final Path file;
    private final Warnings warnings;
    private volatile double[] gram;

    /** @param cacheRoot the cache folder, or null for none */
    public GramCache(List<LayerWeights> weights, String fingerprint, Path cacheRoot, Warnings warnings) {
        this.weights = weights;
        this.fingerprint = fingerprint;
        this.file = cacheRoot == null ? null : cacheRoot.resolve("gram").resolve(fingerprint + ".safetensors");
        this.warnings = warnings;
    }

    /** Whether G is in memory already ({@link #get} returns at once). */
    public boolean inMemory() {
        return gram != null;
    }

    /** G (d×d, float64; shared: read-only), computed on {@code backend} on the first call. */
    public double[] get(LinalgBackend backend, StageTimes times) {
        double[] g = gram;
        if (g != null) return g;
        synchronized (this) {
            if (gram != null) return gram;
            int d = weights.getFirst().width();
            String key = "gram/" + fingerprint;
            if (file != null) {
                switch (CacheFile.readDoubles(file, key, new long[] {d, d})) {
                    case CacheFile.Lookup.Hit<double[]> hit -> {
                        return gram = hit.values();
                    }
                    case CacheFile.Lookup.Bad<double[]> bad -> warnings.warn("ignoring the cache entry " + file + " (" + bad.reason()
                            + "); recomputing Σ WᵀW");
                    case CacheFile.Lookup.Miss<double[]> miss -> { }
                }
            }
            double[] computed = times.time("gram", () -> ReceEpochs.layerGram(weights, backend));
            if (file != null) {
                try {
                    CacheFile.writeDoubles(file, key, new long[] {d, d}, computed);
                } catch (ErasekitException e) {
                    warnings.warn("cannot cache Σ WᵀW (" + e.getMessage() + ")");
                }
            }
            return gram = computed;
        }
    }
}
