package dev.erasekit.error;

/** Not enough memory or disk for the request. ({@link ErrorCode#OUT_OF_RESOURCES}) Immutable; thread-safe. */
public class OutOfResourcesException extends ErasekitException {
    /**
     * A failure with its one-line message.
     *
     * @param message what went wrong, for the person who gave the input
     */
    public OutOfResourcesException(String message) {
        super(ErrorCode.OUT_OF_RESOURCES, message, null);
    }

    /**
     * A failure with its one-line message and the exception that caused it.
     *
     * @param message what went wrong, for the person who gave the input
     * @param cause   the underlying exception
     */
    public OutOfResourcesException(String message, Throwable cause) {
        super(ErrorCode.OUT_OF_RESOURCES, message, cause);
    }
}
