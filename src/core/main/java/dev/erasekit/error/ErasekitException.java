package dev.erasekit.error;

import java.util.Objects;

/**
 * A failure the caller can act on, with a stable {@link ErrorCode}. Its message is one line, written
 * for the person who gave the input (it names the file, value or option at fault). Subclasses exist
 * per code so that callers can catch one kind; {@link #code()} tells them apart as well.
 */
public abstract class ErasekitException extends RuntimeException {
    /** The failure's kind (part of the serial form). */
    private final ErrorCode code;

    /**
     * A failure of one kind.
     *
     * @param code    its kind
     * @param message one line for the person who gave the input
     * @param cause   the underlying exception, or null
     */
    protected ErasekitException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code);
    }

    /**
     * What kind of failure this is.
     *
     * @return its code
     */
    public ErrorCode code() {
        return code;
    }
}
