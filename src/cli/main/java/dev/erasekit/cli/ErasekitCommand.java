package dev.erasekit.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The top-level {@code erasekit} command. Not thread-safe: one instance per command line. */
@Command(name = "erasekit", mixinStandardHelpOptions = true, versionProvider = ErasekitCommand.Version.class,
        description = "Erase concepts from Stable Diffusion models in closed form (UCE, RECE, surgical anchor erase).",
        subcommands = {DemoCommand.class, SolverDemoCommand.class, ValidateCommand.class, InspectCommand.class, TokenizeCommand.class, EmbedCommand.class,
                EraseCommand.class, ExportCommand.class, ApplyCommand.class, AttackCommand.class, GenerateCommand.class, ServeCommand.class, BackendsCommand.class,
                CommandLine.HelpCommand.class})
public final class ErasekitCommand implements Runnable {

    @Option(names = {"-v", "--verbose"}, description = "Log progress and backend choices to stderr.",
            scope = CommandLine.ScopeType.INHERIT)
    void verbose(boolean v) {
        Logging.configure(v);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * A configured command line: a failure prints one line ("erasekit: …", no stack trace unless -v)
     * and exits with the code of its kind ({@link ExitCode}); a usage error adds one line pointing to --help.
     */
    static CommandLine commandLine() {
        Logging.configure(false);
        CommandLine cl = new CommandLine(new ErasekitCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            ExitCode code = ExitCode.of(e);
            err.println("erasekit: " + describe(e, code));
            if (Logging.verbose()) e.printStackTrace(err);
            err.flush();
            return code.value;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("erasekit: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("bad arguments"));
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return ExitCode.USAGE.value;
        });
        return cl;
    }

    /** The one line printed for a failure. */
    private static String describe(Throwable e, ExitCode code) {
        String message = String.valueOf(e.getMessage()).strip().lines().findFirst().orElse("");
        return switch (code) {
            case INTERNAL -> "internal error: " + e.getClass().getName() + (message.isEmpty() ? "" : ": " + message)
                    + (Logging.verbose() ? "" : " (run with -v for the stack trace, and please report it)");
            case OUT_OF_RESOURCES -> e instanceof OutOfMemoryError
                    ? "out of memory (" + message + "); the Java heap is " + Runtime.getRuntime().maxMemory() / (1 << 20)
                            + " MiB: give a smaller request, or more memory with ERASEKIT_JAVA_OPTS=-Xmx…"
                    : message;
            default -> message;
        };
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        static String get() {
            try (InputStream in = ErasekitCommand.class.getResourceAsStream("/erasekit-version.properties")) {
                Properties p = new Properties();
                if (in != null) p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }

        @Override
        public String[] getVersion() {
            return new String[] {"erasekit " + get(), "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
