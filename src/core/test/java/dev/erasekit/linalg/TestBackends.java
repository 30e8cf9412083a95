package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/**
 * The backends every parity test runs. None is optional: CI installs OpenBLAS, and the cuda
 * backend runs against the CUDA test double (native/), which surefire points to with
 * {@code erasekit.cuda.dir}; a missing one fails the test instead of skipping it.
 */
final class TestBackends {
    static final List<String> NATIVE = List.of("openblas", "cuda");

    private TestBackends() {
    }

    static LinalgBackend open(String name) {
        LinalgBackend b = Backends.open(name);
        if (name.equals("cuda")) {
            assertTrue(b.describe().contains("cuda-double"),
                    "the cuda backend under test must be the test double, got " + b.describe());
        }
        return b;
    }
}
