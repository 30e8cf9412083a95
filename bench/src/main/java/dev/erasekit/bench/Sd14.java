package dev.erasekit.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The full-size SD v1.4-architecture fixture ({@code tools/sd14-random/}, random weights,
 * 3.4 GB UNet) that the real-scale benchmarks run on: its folder comes from {@code ERASEKIT_SD14}. It
 * cannot be bundled; {@link BenchMain} leaves these benchmarks out, saying so, when it is not set.
 */
final class Sd14 {
    static final String ENV = "ERASEKIT_SD14";

    private Sd14() {
    }

    /** Why the fixture is unusable here, or null when it is. */
    static String unavailableReason() {
        String dir = System.getenv(ENV);
        if (dir == null || dir.isBlank()) {
            return ENV + " is not set (build the full-size fixture with tools/sd14-random/run_all.sh and point " + ENV
                    + " at its sd-v1-4-random-onnx folder)";
        }
        if (!Files.isRegularFile(Path.of(dir, "unet", "model.onnx"))) return ENV + "=" + dir + " has no unet/model.onnx";
        return null;
    }

    static Path dir() {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        return Path.of(System.getenv(ENV));
    }
}
