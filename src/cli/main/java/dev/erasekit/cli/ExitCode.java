package dev.erasekit.cli;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The CLI's exit codes (README, "Guarantees"): one per {@link ErrorCode}, plus usage errors and
 * internal errors. Stable: scripts may branch on them.
 */
enum ExitCode {
    OK(0, "success"),
    INVALID_INPUT(1, "invalid input: a value, path or combination of options that cannot be used"),
    USAGE(2, "usage error: unknown option, missing or malformed argument"),
    CORRUPT_FILE(3, "a file is missing, unreadable, truncated or not in the expected format"),
    WRONG_BASE(4, "the edit was made for another base model"),
    NATIVE_FAILURE(5, "a native library (ONNX Runtime, OpenBLAS, CUDA) is missing or failed"),
    OUT_OF_RESOURCES(6, "not enough memory or disk"),
    INTERNAL(70, "internal error (a bug: please report it with the command line, and -v for the stack trace)");

    final int value;
    final String meaning;

    ExitCode(int value, String meaning) {
        this.value = value;
        this.meaning = meaning;
    }

    static ExitCode of(ErrorCode code) {
        return switch (code) {
            case INVALID_INPUT -> INVALID_INPUT;
            case CORRUPT_FILE -> CORRUPT_FILE;
            case WRONG_BASE -> WRONG_BASE;
            case NATIVE_FAILURE -> NATIVE_FAILURE;
            case OUT_OF_RESOURCES -> OUT_OF_RESOURCES;
        };
    }

    /** The exit code for an exception a command threw. */
    static ExitCode of(Throwable e) {
        if (e instanceof ErasekitException x) return of(x.code());
        if (e instanceof OutOfMemoryError) return OUT_OF_RESOURCES;
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return String.valueOf(e.getMessage()).contains("No space left on device") ? OUT_OF_RESOURCES : CORRUPT_FILE;
        }
        return INTERNAL;
    }
}
