package dev.erasekit.bench;

import dev.erasekit.linalg.Backends;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmarks jar's entry point: JMH's own Main, except that when no {@code -p backend=...} is
 * given, backends that cannot load here (no GPU, no OpenBLAS) are left out with one line saying
 * why, and without {@code ERASEKIT_SD14} the benchmarks on the full-size fixture ({@link UnetStepBench},
 * {@link EngineBench}) are left out the same way, instead of failing mid-run.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        boolean listing = a.stream().anyMatch(s -> s.equals("-l") || s.equals("-h") || s.startsWith("-lp"));
        boolean chosen = false;
        for (int i = 0; i + 1 < a.size(); i++) {
            if (a.get(i).equals("-p") && a.get(i + 1).startsWith("backend=")) chosen = true;
        }
        if (!chosen && !listing) {
            List<String> available = new ArrayList<>();
            for (String b : List.of("java", "openblas", "cuda")) {
                String why = Backends.unavailableReason(b);
                if (why == null) {
                    available.add(b);
                } else {
                    System.out.println("# skipping backend " + b + ": " + why.lines().findFirst().orElse(""));
                }
            }
            a.add("-p");
            a.add("backend=" + String.join(",", available));
        }
        String sd14 = Sd14.unavailableReason();
        if (sd14 != null && !listing) {
            System.out.println("# skipping UnetStepBench, EngineBench: " + sd14);
            a.add("-e");
            a.add("UnetStepBench|EngineBench");
        }
        org.openjdk.jmh.Main.main(a.toArray(String[]::new));
    }
}
