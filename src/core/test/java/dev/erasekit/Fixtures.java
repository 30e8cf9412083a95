package dev.erasekit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the test fixtures (src/fixtures, see its README for sources and licences) and of the bundled demo model. */
public final class Fixtures {
    public static final Path ROOT = Path.of(System.getProperty("erasekit.fixtures", "../fixtures"));

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

    /** The bundled demo model, models/tiny-shapes (width 128, trained on coloured shapes, with a classifier). */
    public static Path tinyShapes() {
        Path p = ROOT.resolve("../../models/tiny-shapes").normalize();
        if (!Files.exists(p.resolve("unet/model.onnx"))) throw new IllegalStateException("demo model missing: " + p.toAbsolutePath());
        return p;
    }

    /** tiny-sd2 (SD 2.x architecture: width 48, pad "!", linear projections), weights inline. */
    public static Path tinySd2() {
        return path("tiny-sd2/tiny-sd2-onnx");
    }

    /** The SDXL-architecture fixture (two text encoders, text_time conditioning, Euler). */
    public static Path tinySdxl() {
        return path("tiny-sdxl/tiny-sdxl-onnx");
    }

    /** tiny-sd-wide (width 128). */
    public static Path tinySdWide() {
        return path("tiny-sd-wide/tiny-sd-onnx");
    }
}
