package dev.erasekit;

import dev.erasekit.edit.GramCache;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The base model's K/V weights, their fingerprint and their Σ WᵀW cache, read once per {@link Engine}
 * on a background thread (so that the text encoder's hash and session, the other long steps of a
 * first erase, overlap with it). Immutable; thread-safe.
 */
record BaseWeights(List<LayerWeights> weights, String fingerprint, GramCache gram) {

    /** Starts reading {@code model}'s weights on a daemon thread. */
    static CompletableFuture<BaseWeights> load(StableDiffusionModel model, EngineOptions options) {
        CompletableFuture<BaseWeights> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("erasekit-read-weights").start(() -> {
            try {
                List<LayerWeights> weights = model.readWeights();
                String fingerprint = StableDiffusionModel.fingerprintOf(weights);
                model.knownFingerprint(fingerprint);
                f.complete(new BaseWeights(weights, fingerprint, new GramCache(weights, fingerprint, options.cacheDir().orElse(null),
                        options.warnings())));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** The weights, waiting for them if need be; their reading's failure, as it was thrown. */
    static BaseWeights join(CompletableFuture<BaseWeights> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }
}
