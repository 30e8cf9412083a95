package dev.erasekit.error;

/**
 * A file that is missing, unreadable, truncated or not in the expected format. ({@link ErrorCode#CORRUPT_FILE})
 * Immutable; thread-safe.
 */
public class CorruptFileException extends ErasekitException {
    /**
     * A failure with its one-line message.
     *
     * @param message what went wrong, for the person who gave the input
     */
    public CorruptFileException(String message) {
        super(ErrorCode.CORRUPT_FILE, message, null);
    }

    /**
     * A failure with its one-line message and the exception that caused it.
     *
     * @param message what went wrong, for the person who gave the input
     * @param cause   the underlying exception
     */
    public CorruptFileException(String message, Throwable cause) {
        super(ErrorCode.CORRUPT_FILE, message, cause);
    }
}
