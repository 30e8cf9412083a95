package dev.erasekit.linalg;

import dev.erasekit.tensor.LayerWeights;
import java.util.List;
import java.util.Optional;

/**
 * The edited layers, and for the shared-factor path the d×d matrix M with W'_l = W_l·M for every
 * layer (docs/methods.md §2, §3.4).
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 */
public record SolveResult(List<LayerWeights> layers, Optional<double[]> sharedFactor, Path path, StageTimes times) {

    /** Which algorithm produced the result. */
    public enum Path {
        /** One d×d system, factored once, folded into every layer. */
        SHARED,
        /** One system per layer. */
        GENERAL
    }

    public SolveResult {
        layers = List.copyOf(layers);
    }
}
