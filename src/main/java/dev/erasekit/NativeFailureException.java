package dev.erasekit;

/** A native library (ONNX Runtime, OpenBLAS, CUDA) that is missing or failed. ({@link ErrorCode#NATIVE_FAILURE}) */
public class NativeFailureException extends ErasekitException {
    public NativeFailureException(String message) {
        super(ErrorCode.NATIVE_FAILURE, message, null);
    }

    public NativeFailureException(String message, Throwable cause) {
        super(ErrorCode.NATIVE_FAILURE, message, cause);
    }
}
