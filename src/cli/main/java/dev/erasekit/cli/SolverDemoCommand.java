package dev.erasekit.cli;

import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.NormalEquationSolver;
import dev.erasekit.linalg.NormalEquations;
import dev.erasekit.linalg.SolveResult;
import dev.erasekit.linalg.SyntheticProblems;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code erasekit solver-demo}: the engine's core, the closed-form UCE solve of docs/methods.md §2, at Stable
 * Diffusion v1.4 shapes on synthetic weights, on every backend available here, checked against the
 * float64 reference. No model needed.
 */
@Command(name = "solver-demo", mixinStandardHelpOptions = true,
        description = {"Run the closed-form UCE solve at Stable Diffusion v1.4 shapes (32 K/V matrices, width 768)",
                "on synthetic weights with every available backend, and check each against the float64 reference."})
final class SolverDemoCommand implements Runnable {
    @Option(names = "--preserve-rows", defaultValue = "77", description = "Preserve token rows (default ${DEFAULT-VALUE}).")
    int preserveRows;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic problem (default ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        OptionChecks.atLeast("--preserve-rows", preserveRows, 0);
        PrintWriter out = spec.commandLine().getOut();
        NormalEquations p = SyntheticProblems.sd14(seed, preserveRows);
        out.printf("erasekit solver-demo: UCE closed form at SD v1.4 shapes (synthetic weights; no model needed)%n");
        out.printf("  32 layers (10×320, 10×640, 12×1280) × 768, %d erase rows, %d preserve rows, λ = 0.5%n%n",
                p.eraseRows().rows(), preserveRows);
        List<String> names = new ArrayList<>(List.of("cuda", "openblas"));
        names.removeIf(n -> Backends.unavailableReason(n) != null);
        names.add("java");
        SolveResult reference = null;
        out.printf("  %-9s %10s %10s %10s %10s   %s%n", "backend", "build ms", "solve ms", "fold ms", "total ms",
                "vs reference (M, weights)");
        for (String name : names.reversed()) { // java first: it is the reference
            try (LinalgBackend b = Backends.open(name)) {
                long t0 = System.nanoTime();
                SolveResult r = new NormalEquationSolver(b).solve(p);
                double total = (System.nanoTime() - t0) / 1e6;
                if (reference == null) reference = r;
                var ms = r.times().millis();
                String check = r == reference ? "(reference)" : String.format("%.1e, %.1e",
                        Dense.relativeError(r.sharedFactor().orElseThrow(), reference.sharedFactor().orElseThrow()),
                        worstLayerError(r, reference));
                out.printf("  %-9s %10.1f %10.1f %10.1f %10.1f   %s%n", name, ms.getOrDefault("build", 0.0),
                        ms.getOrDefault("solve", 0.0), ms.getOrDefault("fold", 0.0), total, check);
                out.flush();
            }
        }
        out.printf("%n  Relative errors are Frobenius: the shared factor M (float64) and the worst edited layer (fp32).%n");
        out.printf("  See README.md for the benchmarks, and 'erasekit demo' for an erase you can see.%n");
        out.flush();
    }

    private static double worstLayerError(SolveResult got, SolveResult want) {
        double worst = 0;
        for (int i = 0; i < want.layers().size(); i++) {
            worst = Math.max(worst, Dense.relativeError(got.layers().get(i).w().data(), want.layers().get(i).w().data()));
        }
        return worst;
    }
}
