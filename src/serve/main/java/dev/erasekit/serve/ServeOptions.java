package dev.erasekit.serve;

import dev.erasekit.error.InvalidInputException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How {@link ErasekitServer} runs. Immutable; thread-safe.
 *
 * @param host          the address to listen on ("127.0.0.1": this machine only; "0.0.0.0": every interface)
 * @param port          the port (0: any free one, see {@link ErasekitServer#port()})
 * @param policies      where policies are stored (they survive a restart), or empty to keep them in memory only
 * @param workers       image generations running at once (each runs a batch of up to {@code maxBatch} requests)
 * @param queueCapacity image requests that may wait; one more gets 503
 * @param maxBatch      image requests with different policies run in one UNet call per step, up to this many
 * @param maxBodyBytes  the largest request body; a larger one gets 413
 * @param stopTimeoutMs how long a stop (SIGTERM) waits for the requests in flight
 */
public record ServeOptions(String host, int port, Optional<Path> policies, int workers, int queueCapacity, int maxBatch,
                           int maxBodyBytes, long stopTimeoutMs) {
    /** Validates the ranges. */
    public ServeOptions {
        if (host == null || host.isBlank() || policies == null) throw new InvalidInputException("host and policies must be given");
        if (port < 0 || port > 65535) throw new InvalidInputException("--port must be between 0 and 65535, got " + port);
        if (workers < 1 || workers > 64) throw new InvalidInputException("--workers must be between 1 and 64, got " + workers);
        if (queueCapacity < 0 || queueCapacity > 100_000) {
            throw new InvalidInputException("--queue must be between 0 and 100000, got " + queueCapacity);
        }
        if (maxBatch < 1 || maxBatch > 64) throw new InvalidInputException("--max-batch must be between 1 and 64, got " + maxBatch);
        if (maxBodyBytes < 1024) throw new InvalidInputException("the body limit must be at least 1 KiB, got " + maxBodyBytes);
        if (stopTimeoutMs < 0) throw new InvalidInputException("the stop timeout must be ≥ 0");
    }

    /** Loopback, port 8080, policies in memory, 1 worker, 16 queued, batches of 4, 1 MiB bodies, 60 s to stop. */
    public static ServeOptions defaults() {
        return new ServeOptions("127.0.0.1", 8080, Optional.empty(), 1, 16, 4, 1 << 20, 60_000);
    }

    /** These options on {@code port}. */
    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, policies, workers, queueCapacity, maxBatch, maxBodyBytes, stopTimeoutMs);
    }

    /** These options with policies stored in {@code dir}. */
    public ServeOptions withPolicies(Path dir) {
        return new ServeOptions(host, port, Optional.of(dir), workers, queueCapacity, maxBatch, maxBodyBytes, stopTimeoutMs);
    }

    /** These options with {@code n} workers and {@code q} queued requests. */
    public ServeOptions withWork(int n, int q, int batch) {
        return new ServeOptions(host, port, policies, n, q, batch, maxBodyBytes, stopTimeoutMs);
    }
}
