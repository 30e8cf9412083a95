package dev.erasekit;

/** Not enough memory or disk for the request. ({@link ErrorCode#OUT_OF_RESOURCES}) */
public class OutOfResourcesException extends ErasekitException {
    public OutOfResourcesException(String message) {
        super(ErrorCode.OUT_OF_RESOURCES, message, null);
    }

    public OutOfResourcesException(String message, Throwable cause) {
        super(ErrorCode.OUT_OF_RESOURCES, message, cause);
    }
}
