package dev.erasekit.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * java.util.logging set up for a CLI: one line per message on stderr; with --verbose, erasekit's own
 * DEBUG messages too (the library logs nothing above DEBUG: backend choices, cache fallbacks).
 */
final class Logging {
    private static volatile boolean verbose;
    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger ERASEKIT = Logger.getLogger("dev.erasekit");

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
        h.setLevel(v ? Level.FINE : Level.WARNING);
        root.setLevel(Level.WARNING);
        root.addHandler(h);
        ERASEKIT.setLevel(v ? Level.FINE : Level.WARNING);
    }
}
