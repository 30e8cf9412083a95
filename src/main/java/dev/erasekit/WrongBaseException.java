package dev.erasekit;

/** An edit or policy applied to another base model than the one it was made for. ({@link ErrorCode#WRONG_BASE}) */
public class WrongBaseException extends ErasekitException {
    public WrongBaseException(String message) {
        super(ErrorCode.WRONG_BASE, message, null);
    }

    public WrongBaseException(String message, Throwable cause) {
        super(ErrorCode.WRONG_BASE, message, cause);
    }
}
