package dev.erasekit;

/** A value, path, prompt or combination of settings that cannot be used. ({@link ErrorCode#INVALID_INPUT}) */
public class InvalidInputException extends ErasekitException {
    public InvalidInputException(String message) {
        super(ErrorCode.INVALID_INPUT, message, null);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(ErrorCode.INVALID_INPUT, message, cause);
    }
}
