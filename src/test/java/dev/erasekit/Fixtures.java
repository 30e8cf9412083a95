package dev.erasekit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the test fixtures (src/test/fixtures, see its README for sources and licences). */
public final class Fixtures {
    public static final Path ROOT = Path.of(System.getProperty("erasekit.fixtures", "test/fixtures"));

    private Fixtures() {
    }

    public static Path path(String relative) {
        Path p = ROOT.resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("fixture missing: " + p.toAbsolutePath());
        return p;
    }

    /** tiny-sd (width 32), weights inline. */
    public static Path tinySd() {
        return path("tiny-sd/tiny-sd-onnx");
    }

    /** tiny-sd (width 32), UNet weights in model.onnx_data. */
    public static Path tinySdExternal() {
        return path("tiny-sd/tiny-sd-onnx-external");
    }

    /** tiny-sd-wide (width 128). */
    public static Path tinySdWide() {
        return path("tiny-sd-wide/tiny-sd-onnx");
    }
}
