package dev.erasekit.serve;

import dev.erasekit.Engine;
import dev.erasekit.GenerateRequest;
import dev.erasekit.GeneratedImage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The bounded queue of image requests and the workers that run them. A worker takes the oldest
 * request and every queued one that can share its UNet calls (same size, steps and sampler; any
 * policies), up to {@code maxBatch}, and runs them as one batch ({@link Engine#generateBatch}): with
 * per-request policies, requests of different tenants share the UNet. A request that finds the queue
 * full is refused at once (503) instead of waiting without bound. Thread-safe.
 */
final class ImageQueue implements AutoCloseable {
    private record Job(GenerateRequest request, CompletableFuture<GeneratedImage> result) {
    }

    private final Engine engine;
    private final int capacity, maxBatch;
    private final ServeMetrics metrics;
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    private final List<Thread> workers = new ArrayList<>();
    private boolean closing;

    ImageQueue(Engine engine, int workers, int capacity, int maxBatch, ServeMetrics metrics) {
        this.engine = engine;
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.metrics = metrics;
        for (int i = 0; i < workers; i++) {
            this.workers.add(Thread.ofPlatform().name("erasekit-image-worker-" + i).daemon().start(this::work));
        }
    }

    /** Queues {@code r} (already checked against the model); a full queue is a 503. */
    CompletableFuture<GeneratedImage> submit(GenerateRequest r) {
        Job j = new Job(r, new CompletableFuture<>());
        synchronized (this) {
            if (closing) throw new ApiError(503, "shutting_down", "the server is stopping");
            if (waiting.size() >= capacity + idleWorkers()) {
                throw new ApiError(503, "busy", "the image queue is full (" + capacity + " waiting); retry later");
            }
            waiting.add(j);
            metrics.queueDepth(waiting.size());
            notifyAll();
        }
        return j.result();
    }

    private int idle;

    /** Workers waiting for work take a request at once: it never counts against the queue. */
    private int idleWorkers() {
        return idle;
    }

    private void work() {
        while (true) {
            List<Job> batch = new ArrayList<>();
            synchronized (this) {
                while (waiting.isEmpty() && !closing) {
                    idle++;
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } finally {
                        idle--;
                    }
                }
                if (waiting.isEmpty()) return; // closing, and nothing left
                Job first = waiting.poll();
                batch.add(first);
                for (Iterator<Job> it = waiting.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
                    Job j = it.next();
                    if (compatible(first.request(), j.request())) {
                        batch.add(j);
                        it.remove();
                    }
                }
                metrics.queueDepth(waiting.size());
            }
            run(batch);
        }
    }

    /** One schedule and size: the requests can share each UNet call. */
    static boolean compatible(GenerateRequest a, GenerateRequest b) {
        return a.width() == b.width() && a.height() == b.height() && a.steps() == b.steps()
                && Objects.equals(a.sampler(), b.sampler()) && a.edit().isEmpty() && b.edit().isEmpty();
    }

    private void run(List<Job> batch) {
        metrics.batch(batch.size());
        try {
            List<GeneratedImage> images = engine.generateBatch(batch.stream().map(Job::request).toList(), null);
            for (int i = 0; i < batch.size(); i++) batch.get(i).result().complete(images.get(i));
        } catch (RuntimeException | Error e) {
            for (Job j : batch) j.result().completeExceptionally(e);
        }
    }

    /** Refuses new requests, lets the workers finish the queued ones, and waits for them. */
    @Override
    public void close() {
        synchronized (this) {
            closing = true;
            notifyAll();
        }
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
