package dev.erasekit.tensor;

import dev.erasekit.error.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * New values for some of a UNet's cross-attention K/V weights, by diffusers name, and the base
 * model they were made for: what applying an edit as weights needs. Immutable; the arrays are
 * shared, not copied, and must not be modified. Thread-safe.
 *
 * @param baseFingerprint the fingerprint of the base model these weights replace weights of
 * @param layers          the new weights, under diffusers names
 * @param pooled          the pooled-path map M_p (SDXL: add_embedding.linear_1's text-embeds columns become W₁·M_p),
 *                        or null when the edit leaves that path
 */
public record WeightOverrides(String baseFingerprint, List<LayerWeights> layers, EmbeddingTransform pooled) {
    /**
     * K/V weights only.
     *
     * @param baseFingerprint the fingerprint of the base model these weights replace weights of
     * @param layers          the new weights, under diffusers names
     */
    public WeightOverrides(String baseFingerprint, List<LayerWeights> layers) {
        this(baseFingerprint, layers, null);
    }

    /** Copies the list (not the arrays) and refuses duplicate names. */
    public WeightOverrides {
        layers = List.copyOf(layers);
        Map<String, LayerWeights> seen = new LinkedHashMap<>();
        for (LayerWeights l : layers) {
            if (seen.put(l.name(), l) != null) throw new InvalidInputException("the weights name the layer " + l.name() + " twice");
        }
    }

    /**
     * The new weights of one layer.
     *
     * @param diffusersName the layer's diffusers name
     * @return its new weights, if it is overridden
     */
    public Optional<LayerWeights> layer(String diffusersName) {
        return layers.stream().filter(l -> l.name().equals(diffusersName)).findFirst();
    }
}
