package dev.erasekit;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;

/** What the ONNX Runtime stages share: opening and closing a session with clear errors. */
public final class OrtSessions {
    private OrtSessions() {
    }

    /**
     * Opens {@code model} on the CPU with default options (closed once the session exists); a failure
     * becomes "cannot load the {@code what} {@code model}: …".
     */
    public static OrtSession open(Path model, String what) {
        OrtEnvironment env = OrtRuntime.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw loadFailure(what, model, e);
        }
    }

    /**
     * ONNX Runtime's failure to load a model, as the right kind: a missing, unparsable or invalid
     * model file is {@link CorruptFileException}; anything else (out of memory, a provider) native.
     */
    public static ErasekitException loadFailure(String what, Path model, OrtException e) {
        String message = "cannot load the " + what + " " + model + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return switch (e.getCode()) {
            case ORT_NO_SUCHFILE, ORT_NO_MODEL, ORT_INVALID_PROTOBUF, ORT_INVALID_GRAPH, ORT_INVALID_ARGUMENT ->
                    new CorruptFileException(message, e);
            default -> new NativeFailureException(message, e);
        };
    }

    /** Closes a session on a failure path, keeping the first exception (a close failure there has nothing to add). */
    public static void closeQuietly(OrtSession session) {
        if (session == null) return;
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            // the exception being handled is what the caller reports
        }
    }

    /** Closes {@code session}; a failure becomes an {@link ErasekitException} naming {@code what}. */
    public static void close(OrtSession session, String what) {
        try {
            session.close();
        } catch (OrtException e) {
            throw new NativeFailureException("cannot close the " + what + " session: " + e.getMessage(), e);
        }
    }
}
