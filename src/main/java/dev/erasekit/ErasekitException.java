package dev.erasekit;

/** A failure the user can act on: the CLI prints its message alone (no stack trace) and exits ≠ 0. */
public class ErasekitException extends RuntimeException {
    public ErasekitException(String message) {
        super(message);
    }

    public ErasekitException(String message, Throwable cause) {
        super(message, cause);
    }
}
