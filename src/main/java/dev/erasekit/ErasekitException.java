package dev.erasekit;

import java.util.Objects;

/**
 * A failure the caller can act on, with a stable {@link ErrorCode}. Its message is one line, written
 * for the person who gave the input (it names the file, value or option at fault). Subclasses exist
 * per code so that callers can catch one kind; {@link #code()} tells them apart as well.
 */
public abstract class ErasekitException extends RuntimeException {
    private final ErrorCode code;

    protected ErasekitException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code);
    }

    /** What kind of failure this is. */
    public ErrorCode code() {
        return code;
    }
}
