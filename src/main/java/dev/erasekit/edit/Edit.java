package dev.erasekit.edit;

import dev.erasekit.linalg.LayerWeights;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An edit of a base model's cross-attention K/V weights: the new weights under their diffusers
 * names, what produced them, the base it belongs to, and — for shared-factor edits — the d×d
 * matrix M with W'_l = W_l·M for every layer (docs/methods.md §5: the edit as an embedding transform).
 */
public record Edit(String method, Map<String, Object> parameters, List<String> concepts, String baseFingerprint,
                   List<LayerWeights> layers, Optional<double[]> sharedFactor, int width) {

    public Edit {
        parameters = Map.copyOf(parameters);
        concepts = List.copyOf(concepts);
        layers = List.copyOf(layers);
    }

    public LayerWeights layer(String diffusersName) {
        return layers.stream().filter(l -> l.name().equals(diffusersName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the edit has no layer " + diffusersName));
    }
}
