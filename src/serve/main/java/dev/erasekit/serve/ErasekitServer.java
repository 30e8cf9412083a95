package dev.erasekit.serve;

import dev.erasekit.Engine;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.Warnings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * {@code erasekit serve}: an {@link Engine} behind HTTP (README, "erasekit serve"), on Jetty 12 — the
 * maintained embeddable server with a graceful stop (requests in flight finish, new ones are refused)
 * and virtual-thread request handling, so a request waiting for its image holds no platform thread.
 * The engine stays the caller's. Thread-safe; {@link #close()} (the graceful stop) is idempotent.
 */
public final class ErasekitServer implements AutoCloseable {
    private final Server server;
    private final ImageQueue queue;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ErasekitServer(Server server, ImageQueue queue) {
        this.server = server;
        this.queue = queue;
    }

    /**
     * Starts serving {@code engine}; policies stored under {@code options.policies()} are loaded first
     * (files made for another base or damaged are reported to {@code warnings} and left alone).
     *
     * @param engine   the engine (not closed by the server)
     * @param options  how to serve
     * @param warnings where problems that do not stop the server are reported
     * @return the running server
     */
    public static ErasekitServer start(Engine engine, ServeOptions options, Warnings warnings) {
        ServeMetrics metrics = new ServeMetrics();
        PolicyStore store = PolicyStore.open(options.policies(), engine.model().fingerprint(), warnings::warn);
        metrics.policies(store.size());
        ImageQueue queue = new ImageQueue(engine, options.workers(), options.queueCapacity(), options.maxBatch(), metrics);
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("erasekit-http");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(options.host());
        connector.setPort(options.port());
        server.addConnector(connector);
        GracefulHandler graceful = new GracefulHandler();
        graceful.setHandler(new Api(engine, store, queue, metrics, options.maxBodyBytes(), warnings));
        server.setHandler(graceful);
        server.setErrorHandler(new JsonErrors());
        server.setStopTimeout(options.stopTimeoutMs());
        server.setStopAtShutdown(false);
        try {
            server.start();
        } catch (Exception e) {
            queue.close();
            try {
                server.stop();
            } catch (Exception x) {
                e.addSuppressed(x);
            }
            throw new InvalidInputException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
        }
        return new ErasekitServer(server, queue);
    }

    /**
     * The port it listens on (the chosen one when started on port 0).
     *
     * @return the port
     */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** Waits until the server has stopped. */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * The graceful stop: no new connections, requests in flight (and the queued images they wait for)
     * finish within the stop timeout, then the workers end. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the server: " + e.getMessage(), e);
        } finally {
            queue.close();
        }
    }

    /** Jetty's own errors (malformed HTTP, a closed server) in the API's JSON form. */
    private static final class JsonErrors extends ErrorHandler {
        @Override
        public boolean handle(Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback) {
            int status = response.getStatus();
            Object message = request.getAttribute(ERROR_MESSAGE);
            String body = JsonRequests.JSON.createObjectNode().put("code", "http_" + status)
                    .put("message", message == null ? "HTTP " + status : message.toString()).toString();
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
    }
}
