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
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return OrtEnvironment.getEnvironment().createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new ErasekitException("cannot load the " + what + " " + model + ": " + e.getMessage(), e);
        }
    }

    /** Closes {@code session}; a failure becomes an {@link ErasekitException} naming {@code what}. */
    public static void close(OrtSession session, String what) {
        try {
            session.close();
        } catch (OrtException e) {
            throw new ErasekitException("cannot close the " + what + " session: " + e.getMessage(), e);
        }
    }
}
