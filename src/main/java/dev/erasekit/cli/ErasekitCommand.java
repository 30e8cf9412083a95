package dev.erasekit.cli;

import dev.erasekit.ErasekitException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code erasekit} command. */
@Command(name = "erasekit", mixinStandardHelpOptions = true, versionProvider = ErasekitCommand.Version.class,
        description = "Erase concepts from Stable Diffusion models in closed form (UCE, RECE, surgical anchor erase).",
        subcommands = {DemoCommand.class, SolverDemoCommand.class, ValidateCommand.class, InspectCommand.class, TokenizeCommand.class, EmbedCommand.class,
                EraseCommand.class, ApplyCommand.class, AttackCommand.class, GenerateCommand.class, BackendsCommand.class, CommandLine.HelpCommand.class})
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

    /** A configured command line: user errors print one line, no stack trace, exit code 1. */
    static CommandLine commandLine() {
        Logging.configure(false);
        CommandLine cl = new CommandLine(new ErasekitCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof ErasekitException || e instanceof UncheckedIOException || e instanceof IOException) {
                err.println("erasekit: " + e.getMessage());
            } else {
                err.println("erasekit: internal error: " + e);
                if (Logging.verbose()) e.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        return cl;
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
