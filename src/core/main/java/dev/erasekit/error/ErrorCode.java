package dev.erasekit.error;

/**
 * The kind of an {@link ErasekitException}: stable across releases, so a service can branch on it and
 * the CLI can map it to a documented exit code.
 * Immutable; thread-safe.
 */
public enum ErrorCode {
    /** A value, path, prompt or combination of settings that cannot be used (fix the input). */
    INVALID_INPUT,
    /** A file that is missing, unreadable, truncated or not in the expected format. */
    CORRUPT_FILE,
    /** An edit or policy made for another base model than the one it is applied to. */
    WRONG_BASE,
    /** A native library (ONNX Runtime, OpenBLAS, CUDA) is missing or failed. */
    NATIVE_FAILURE,
    /** Not enough memory or disk for the request. */
    OUT_OF_RESOURCES
}
