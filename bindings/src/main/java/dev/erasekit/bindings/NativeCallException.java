package dev.erasekit.bindings;

/** A native library call returned a failure status; the message names the function and status. Immutable; thread-safe. */
public final class NativeCallException extends RuntimeException {
    private final String function;
    private final int status;

    public NativeCallException(String function, int status, String statusName) {
        super(function + " failed: " + statusName + " (" + status + ")");
        this.function = function;
        this.status = status;
    }

    public String function() {
        return function;
    }

    public int status() {
        return status;
    }
}
