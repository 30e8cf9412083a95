package dev.erasekit.bindings;

import java.util.List;

/** No candidate for a native library could be loaded; the message lists every place tried. Immutable; thread-safe. */
public final class LibraryNotFoundException extends RuntimeException {
    private final List<String> tried;

    public LibraryNotFoundException(String library, List<String> tried) {
        super(library + " not found; tried:\n  " + String.join("\n  ", tried));
        this.tried = List.copyOf(tried);
    }

    public List<String> tried() {
        return tried;
    }
}
