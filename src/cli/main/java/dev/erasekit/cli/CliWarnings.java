package dev.erasekit.cli;

import dev.erasekit.error.Warnings;
import java.io.PrintWriter;
import picocli.CommandLine;

/** The CLI's {@link Warnings} sink: one line on stderr, "erasekit: warning: …". */
final class CliWarnings {
    private CliWarnings() {
    }

    static Warnings of(CommandLine.Model.CommandSpec spec) {
        PrintWriter err = spec.commandLine().getErr();
        return message -> {
            synchronized (err) {
                err.println("erasekit: warning: " + message);
                err.flush();
            }
        };
    }
}
