package dev.erasekit;

/**
 * Seeds for tests on fresh random inputs: a new one every run, printed with the test's name so that a
 * failure can be replayed exactly with {@code ERASEKIT_TEST_SEED=N ./run-tests} (or
 * {@code -Derasekit.test.seed=N} in the test JVM's arguments), which pins every such seed to N.
 */
public final class TestSeeds {
    private TestSeeds() {
    }

    public static long seed(String what) {
        String fixed = System.getProperty("erasekit.test.seed");
        if (fixed == null || fixed.isBlank()) fixed = System.getenv("ERASEKIT_TEST_SEED");
        long s = fixed != null && !fixed.isBlank() ? Long.parseLong(fixed.strip()) : System.nanoTime() ^ Thread.currentThread().threadId();
        System.out.println(what + ": seed " + s + " (replay: ERASEKIT_TEST_SEED=" + s + ")");
        return s;
    }
}
