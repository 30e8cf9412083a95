package dev.erasekit;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** What every ONNX Runtime stage shares: closing its session with a clear error. */
public final class OrtSessions {
    private OrtSessions() {
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
