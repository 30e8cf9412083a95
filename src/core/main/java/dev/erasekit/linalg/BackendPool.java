package dev.erasekit.linalg;

import dev.erasekit.error.InvalidInputException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * Up to {@code size} instances of one backend, lent out one per task, so that erases from different
 * threads run at once (each on its own instance: the native backends keep per-instance state such as
 * CUDA handles) and a burst waits for a free one instead of all serialising on a lock. Instances are
 * opened on demand and closed with the pool. Thread-safe.
 */
public final class BackendPool implements AutoCloseable {
    private final String name;
    private final Semaphore permits;
    private final Deque<LinalgBackend> idle = new ArrayDeque<>();
    private boolean closed;

    /** A pool of the named backend ("auto" resolves once, to what the first instance turned out to be). */
    public BackendPool(String name, int size) {
        if (size < 1) throw new InvalidInputException("a backend pool needs at least one instance");
        LinalgBackend first = Backends.open(name);
        this.name = first.name();
        this.permits = new Semaphore(size, true);
        idle.add(first);
    }

    /** The backend's name ("openblas", …). */
    public String name() {
        return name;
    }

    /** Runs {@code task} with an instance to itself, waiting for one if all are lent. */
    public <T> T with(Function<LinalgBackend, T> task) {
        permits.acquireUninterruptibly();
        LinalgBackend b;
        try {
            b = take();
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        try {
            return task.apply(b);
        } finally {
            synchronized (this) {
                if (closed) b.close();
                else idle.push(b);
            }
            permits.release();
        }
    }

    private synchronized LinalgBackend take() {
        if (closed) throw new IllegalStateException("the backend pool is closed");
        if (!idle.isEmpty()) return idle.pop();
        LinalgBackend b = Backends.open(name);
        return b;
    }

    /** Closes the idle instances now and lent ones when they come back; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        for (LinalgBackend b : idle) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        idle.clear();
        if (first != null) throw first;
    }
}
