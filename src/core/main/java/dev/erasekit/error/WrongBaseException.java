package dev.erasekit.error;

/**
 * An edit or policy applied to another base model than the one it was made for. ({@link ErrorCode#WRONG_BASE})
 * Immutable; thread-safe.
 */
public class WrongBaseException extends ErasekitException {
    /**
     * A failure with its one-line message.
     *
     * @param message what went wrong, for the person who gave the input
     */
    public WrongBaseException(String message) {
        super(ErrorCode.WRONG_BASE, message, null);
    }

    /**
     * A failure with its one-line message and the exception that caused it.
     *
     * @param message what went wrong, for the person who gave the input
     * @param cause   the underlying exception
     */
    public WrongBaseException(String message, Throwable cause) {
        super(ErrorCode.WRONG_BASE, message, cause);
    }
}
