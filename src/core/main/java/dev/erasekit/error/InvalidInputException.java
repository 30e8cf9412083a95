package dev.erasekit.error;

/**
 * A value, path, prompt or combination of settings that cannot be used. ({@link ErrorCode#INVALID_INPUT})
 * Immutable; thread-safe.
 */
public class InvalidInputException extends ErasekitException {
    /**
     * A failure with its one-line message.
     *
     * @param message what went wrong, for the person who gave the input
     */
    public InvalidInputException(String message) {
        super(ErrorCode.INVALID_INPUT, message, null);
    }

    /**
     * A failure with its one-line message and the exception that caused it.
     *
     * @param message what went wrong, for the person who gave the input
     * @param cause   the underlying exception
     */
    public InvalidInputException(String message, Throwable cause) {
        super(ErrorCode.INVALID_INPUT, message, cause);
    }
}
