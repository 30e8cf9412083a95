package dev.erasekit;

import dev.erasekit.edit.GramCache;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.model.Checkpoint;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.model.TextEncoderCheck;
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
                List<LayerWeights> weights = options.checkpoint().isPresent() ? fromCheckpoint(model, options.checkpoint().get())
                        : model.readWeights();
                String fingerprint = StableDiffusionModel.fingerprintOf(weights);
                if (options.checkpoint().isEmpty()) model.knownFingerprint(fingerprint);
                f.complete(new BaseWeights(weights, fingerprint, new GramCache(weights, fingerprint, options.cacheDir().orElse(null),
                        options.warnings())));
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /**
     * A checkpoint's K/V weights, refused unless its layers are the model's (names and shapes) and its
     * text encoder, if it carries one, is the model's ONNX text encoder ({@link TextEncoderCheck}).
     */
    static List<LayerWeights> fromCheckpoint(StableDiffusionModel model, java.nio.file.Path file) {
        Checkpoint c = Checkpoint.open(file);
        List<String> mine = model.layers().stream().map(l -> l.diffusersName() + " " + l.out() + "×" + l.in()).toList();
        List<String> theirs = c.layers().stream().map(l -> l.diffusersName() + " " + l.out() + "×" + l.in()).toList();
        if (!mine.equals(theirs)) {
            throw new InvalidInputException(file + " does not have " + model.dir() + "'s cross-attention layers (" + theirs.size()
                    + " K/V matrices against " + mine.size() + (theirs.size() == mine.size() ? ", of other shapes" : "") + ")");
        }
        TextEncoderCheck.verify(c, model.textEncoderFile());
        return c.readWeights();
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
