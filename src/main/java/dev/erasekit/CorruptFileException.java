package dev.erasekit;

/** A file that is missing, unreadable, truncated or not in the expected format. ({@link ErrorCode#CORRUPT_FILE}) */
public class CorruptFileException extends ErasekitException {
    public CorruptFileException(String message) {
        super(ErrorCode.CORRUPT_FILE, message, null);
    }

    public CorruptFileException(String message, Throwable cause) {
        super(ErrorCode.CORRUPT_FILE, message, cause);
    }
}
