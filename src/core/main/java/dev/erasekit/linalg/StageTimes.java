package dev.erasekit.linalg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wall time per named stage, in the order the stages ran (for edit summaries and logs).
 * Thread-safe (stages may be timed from several threads; the map is guarded by this object).
 */
public final class StageTimes {
    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public <T> T time(String stage, Supplier<T> work) {
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            long dt = System.nanoTime() - t0;
            synchronized (this) {
                nanos.merge(stage, dt, Long::sum);
            }
        }
    }

    public void time(String stage, Runnable work) {
        time(stage, () -> {
            work.run();
            return null;
        });
    }

    /** Milliseconds per stage. */
    public synchronized Map<String, Double> millis() {
        Map<String, Double> out = new LinkedHashMap<>();
        nanos.forEach((k, v) -> out.put(k, v / 1e6));
        return out;
    }

    public void addAll(StageTimes other) {
        Map<String, Long> theirs;
        synchronized (other) {
            theirs = new LinkedHashMap<>(other.nanos);
        }
        synchronized (this) {
            theirs.forEach((k, v) -> nanos.merge(k, v, Long::sum));
        }
    }
}
