package dev.erasekit.bindings;

import java.util.function.Supplier;

/** Loads a binding at most once per process and remembers a failure, so callers get the same
 *  message every time instead of retrying a slow search. */
final class LoadOnce<T> {
    private final Supplier<T> loader;
    private T value;
    private RuntimeException failure;

    LoadOnce(Supplier<T> loader) {
        this.loader = loader;
    }

    synchronized T get() {
        if (value == null && failure == null) {
            try {
                value = loader.get();
            } catch (RuntimeException | LinkageError e) {
                failure = e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
            }
        }
        if (failure != null) throw failure;
        return value;
    }
}
