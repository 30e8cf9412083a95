package dev.erasekit.linalg;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.NativeFailureException;
import dev.erasekit.linalg.cuda.CudaBackend;
import dev.erasekit.linalg.openblas.OpenBlasBackend;
import java.util.List;
import java.util.function.Supplier;

/** Opens a backend by name; {@code auto} tries cuda → openblas → java and logs why it passed each. Stateless; thread-safe. */
public final class Backends {
    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    public static final List<String> NAMES = List.of("auto", "cuda", "openblas", "java");

    private Backends() {
    }

    /** Opens the named backend; an unavailable explicit choice is an error that says why. */
    public static LinalgBackend open(String name) {
        return switch (name) {
            case "auto" -> auto();
            case "cuda" -> required("cuda", CudaBackend::open);
            case "openblas" -> required("openblas", OpenBlasBackend::open);
            case "java" -> new JavaBackend();
            default -> throw new InvalidInputException("unknown backend '" + name + "'; choose one of " + NAMES);
        };
    }

    /** The reason a backend cannot be opened here, or null when it can. */
    public static String unavailableReason(String name) {
        try (LinalgBackend b = open(name)) {
            return null;
        } catch (ErasekitException e) {
            return e.getMessage();
        }
    }

    private static LinalgBackend auto() {
        for (String candidate : List.of("cuda", "openblas")) {
            try {
                LinalgBackend b = open(candidate);
                LOG.log(System.Logger.Level.DEBUG, "backend auto: using {0} ({1})", candidate, b.describe());
                return b;
            } catch (ErasekitException e) {
                LOG.log(System.Logger.Level.DEBUG, "backend auto: {0} unavailable: {1}", candidate,
                        e.getMessage().lines().findFirst().orElse(""));
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "backend auto: using java (plain float64)");
        return new JavaBackend();
    }

    private static LinalgBackend required(String name, Supplier<LinalgBackend> opener) {
        try {
            return opener.get();
        } catch (RuntimeException | LinkageError e) {
            throw new NativeFailureException("backend " + name + " is not available: " + e.getMessage(), e);
        }
    }
}
