package dev.erasekit.serve;

/**
 * An HTTP error answered as {@code {"code": …, "message": …}}: the status, a stable machine-readable
 * code, and one line for people. Immutable; thread-safe.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;

    ApiError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static ApiError badRequest(String message) {
        return new ApiError(400, "invalid_request", message);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The error code ({@code invalid_request}, {@code not_found}, {@code body_too_large}, {@code busy}, …). */
    public String code() {
        return code;
    }
}
