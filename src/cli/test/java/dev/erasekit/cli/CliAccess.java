package dev.erasekit.cli;

/** Lets tests in other packages run the CLI as {@link CliTest} does. */
public final class CliAccess {
    private CliAccess() {
    }

    public record Run(int code, String out, String err) {
    }

    public static Run run(String... args) {
        CliTest.Run r = CliTest.run(args);
        return new Run(r.code(), r.out(), r.err());
    }
}
