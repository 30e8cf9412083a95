package dev.erasekit.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** java.util.logging set up for a CLI: one line per message on stderr, INFO only with --verbose. */
final class Logging {
    private static volatile boolean verbose;

    private Logging() {
    }

    static boolean verbose() {
        return verbose;
    }

    static void configure(boolean v) {
        verbose = v;
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler();
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "erasekit: " + formatMessage(r) + System.lineSeparator();
            }
        });
        Level level = v ? Level.INFO : Level.WARNING;
        h.setLevel(level);
        root.setLevel(level);
        root.addHandler(h);
    }
}
