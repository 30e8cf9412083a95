package dev.erasekit.cli;

/** Entry point of the {@code erasekit} command. Stateless; thread-safe. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(Arguments.utf8(args)));
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return ErasekitCommand.commandLine().execute(args);
    }
}
