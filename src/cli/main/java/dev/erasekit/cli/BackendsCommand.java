package dev.erasekit.cli;

import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.LinalgBackend;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code erasekit backends}: which linear-algebra backends work here, and what auto picks. */
@Command(name = "backends", mixinStandardHelpOptions = true,
        description = "List the linear-algebra backends (cuda, openblas, java), whether each loads here, and what 'auto' picks.")
final class BackendsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        for (String name : Backends.NAMES.subList(1, Backends.NAMES.size())) {
            try (LinalgBackend b = Backends.open(name)) {
                out.printf("%-9s available  %s%n", name, b.describe());
            } catch (RuntimeException e) {
                out.printf("%-9s missing    %s%n", name, e.getMessage().replace("\n", "\n                     "));
            }
        }
        try (LinalgBackend b = Backends.open("auto")) {
            out.printf("auto  ->  %s%n", b.name());
        }
        out.flush();
    }
}
