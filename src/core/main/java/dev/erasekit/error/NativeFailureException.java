package dev.erasekit.error;

/**
 * A native library (ONNX Runtime, OpenBLAS, CUDA) that is missing or failed. ({@link ErrorCode#NATIVE_FAILURE})
 * Immutable; thread-safe.
 */
public class NativeFailureException extends ErasekitException {
    /**
     * A failure with its one-line message.
     *
     * @param message what went wrong, for the person who gave the input
     */
    public NativeFailureException(String message) {
        super(ErrorCode.NATIVE_FAILURE, message, null);
    }

    /**
     * A failure with its one-line message and the exception that caused it.
     *
     * @param message what went wrong, for the person who gave the input
     * @param cause   the underlying exception
     */
    public NativeFailureException(String message, Throwable cause) {
        super(ErrorCode.NATIVE_FAILURE, message, cause);
    }
}
