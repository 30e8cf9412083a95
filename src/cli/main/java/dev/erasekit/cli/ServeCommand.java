package dev.erasekit.cli;

import dev.erasekit.Engine;
import dev.erasekit.SessionRetention;
import dev.erasekit.serve.ErasekitServer;
import dev.erasekit.serve.ServeOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import sun.misc.Signal;

/**
 * {@code erasekit serve MODEL [--port 8080] [--policies DIR]}: the engine behind HTTP (README,
 * "erasekit serve"). SIGTERM and SIGINT stop it gracefully (no new connections; requests in flight
 * finish), then it exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve erasure policies and images over HTTP (JSON API; see the README): one loaded UNet, a policy per request.")
final class ServeCommand implements Callable<Integer> {
    /** Jetty's loggers (through SLF4J → java.util.logging): warnings only, held strongly so the level sticks. */
    private static final Logger JETTY = Logger.getLogger("org.eclipse.jetty");

    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default 127.0.0.1; 0.0.0.0: all).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default 8080; 0: any free port, printed at start).")
    int port;

    @Option(names = "--policies", paramLabel = "DIR", description = "Folder where policies are stored (they survive a restart);"
            + " default: in memory only.")
    Path policies;

    @Option(names = "--workers", defaultValue = "1", description = "Image generations at once (default 1).")
    int workers;

    @Option(names = "--queue", defaultValue = "16", description = "Image requests that may wait (default 16; beyond: 503).")
    int queue;

    @Option(names = "--max-batch", defaultValue = "4", description = "Image requests per UNet call (default 4).")
    int maxBatch;

    @CommandLine.Mixin
    EngineMixin engine = new EngineMixin();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        JETTY.setLevel(Level.WARNING);
        ServeOptions o = new ServeOptions(host, port, Optional.ofNullable(policies), workers, queue, maxBatch, 1 << 20, 60_000);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        PrintWriter out = spec.commandLine().getOut();
        try (Engine e = Engine.open(model, engine.options(spec).retention(SessionRetention.KEEP).build());
             ErasekitServer server = ErasekitServer.start(e, o, CliWarnings.of(spec))) {
            out.printf("erasekit: serving %s on http://%s:%d (policies: %s)%n", model, host, server.port(),
                    policies == null ? "in memory" : policies);
            out.flush();
            stop.await();
            out.println("erasekit: stopping: finishing the requests in flight");
            out.flush();
        }
        return 0;
    }
}
