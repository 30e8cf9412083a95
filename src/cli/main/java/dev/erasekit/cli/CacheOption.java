package dev.erasekit.cli;

import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --cache-dir} option the model commands share (embeddings and Σ WᵀW are cached there). */
final class CacheOption {
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Cache for embeddings and Σ WᵀW (default $ERASEKIT_CACHE, $XDG_CACHE_HOME/erasekit or ~/.cache/erasekit).")
    Path dir;

    /** The option's folder, or the default cache. */
    Path root() {
        return dir != null ? dir : TextEmbedder.defaultCacheRoot();
    }
}
