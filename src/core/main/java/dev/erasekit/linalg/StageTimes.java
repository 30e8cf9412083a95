package dev.erasekit.linalg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wall time per named stage, in the order the stages ran (for edit summaries and logs).
 * Thread-safe (stages may be timed from several threads).
 */
public final class StageTimes {
    private final Map<String, Long> nanos = new LinkedHashMap<>();

    public <T> T time(String stage, Supplier<T> work) {
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            nanos.merge(stage, System.nanoTime() - t0, Long::sum);
        }
    }

    public void time(String stage, Runnable work) {
        time(stage, () -> {
            work.run();
            return null;
        });
    }

    /** Milliseconds per stage. */
    public Map<String, Double> millis() {
        Map<String, Double> out = new LinkedHashMap<>();
        nanos.forEach((k, v) -> out.put(k, v / 1e6));
        return out;
    }

    public void addAll(StageTimes other) {
        other.nanos.forEach((k, v) -> nanos.merge(k, v, Long::sum));
    }
}
