package dev.erasekit.ort;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.NativeFailureException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An ONNX Runtime session together with the options it was created with: ONNX Runtime documents
 * that {@code SessionOptions} must outlive their session, so this closes the session first and its
 * options after it. Idempotent {@link #close()}; {@link #session()} after close throws
 * {@link IllegalStateException}. Thread-safe: ONNX Runtime sessions may run concurrently.
 */
public final class OrtModel implements AutoCloseable {
    private final OrtSession session;
    private final OrtSession.SessionOptions options;
    private final String what;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OrtModel(OrtSession session, OrtSession.SessionOptions options, String what) {
        this.session = session;
        this.options = options;
        this.what = what;
    }

    /**
     * Opens {@code file} with {@code options}, which this model then owns (closed with it, or at once
     * when opening fails); a failure is "cannot load the {@code what} {@code file}: …".
     */
    public static OrtModel open(Path file, String what, OrtSession.SessionOptions options) {
        try {
            return new OrtModel(OrtRuntime.environment().createSession(file.toString(), options), options, what);
        } catch (OrtException e) {
            options.close();
            throw loadFailure(what, file, e);
        } catch (RuntimeException | Error e) {
            options.close();
            throw e;
        }
    }

    /** Opens {@code file} with {@link OrtOptions#cpu()}. */
    public static OrtModel open(Path file, String what) {
        return open(file, what, OrtOptions.cpu());
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

    /** The session; {@link IllegalStateException} once closed. */
    public OrtSession session() {
        if (closed.get()) throw new IllegalStateException("the " + what + " session is closed");
        return session;
    }

    /** What this model is ("UNet", "text encoder", …), for messages. */
    public String what() {
        return what;
    }

    /** A run failure, named after this model. */
    public NativeFailureException failure(OrtException e) {
        return new NativeFailureException(what + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            session.close();
        } catch (OrtException e) {
            throw new NativeFailureException("cannot close the " + what + " session: " + e.getMessage(), e);
        } finally {
            options.close();
        }
    }
}
