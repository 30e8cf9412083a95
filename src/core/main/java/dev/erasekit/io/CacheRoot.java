package dev.erasekit.io;

import java.nio.file.Path;

/**
 * The default cache folder: {@code $ERASEKIT_CACHE}, else {@code $XDG_CACHE_HOME/erasekit}, else {@code ~/.cache/erasekit}.
 * Stateless; thread-safe.
 */
public final class CacheRoot {
    private CacheRoot() {
    }

    public static Path defaultRoot() {
        String env = System.getenv("ERASEKIT_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "erasekit");
        return Path.of(System.getProperty("user.home"), ".cache", "erasekit");
    }
}
