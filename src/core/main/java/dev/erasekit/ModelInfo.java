package dev.erasekit;

import java.nio.file.Path;
import java.util.List;

/**
 * What an engine's model is: its folder, fingerprint (what edits are tied to), text width, the
 * cross-attention K/V layers it edits (diffusers names, UCE's reference order) and its native image size.
 * Immutable; thread-safe.
 *
 * @param imageSize the model's own image side (512 for SD v1.x), or 0 when its configs and graph do not say
 * @param dir         the model folder
 * @param fingerprint the base fingerprint edits are tied to
 * @param textWidth   the text width d
 * @param layers      the K/V layers' diffusers names
 */
public record ModelInfo(Path dir, String fingerprint, int textWidth, List<String> layers, int imageSize) {
    /** Copies the list. */
    public ModelInfo {
        layers = List.copyOf(layers);
    }
}
