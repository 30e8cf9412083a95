package dev.erasekit.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What Maven wrote into the build: erasekit's version, and the ONNX Runtime artifact and version it was built with.
 * Stateless; thread-safe.
 */
public final class BuildInfo {
    private static final Properties PROPERTIES = load();

    private BuildInfo() {
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/erasekit-version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // an unreadable resource leaves "unknown"
        }
        return p;
    }

    /** erasekit's version, e.g. "0.1.0". */
    public static String version() {
        return PROPERTIES.getProperty("version", "unknown");
    }

    /** "onnxruntime" or "onnxruntime_gpu". */
    public static String onnxRuntimeArtifact() {
        return PROPERTIES.getProperty("onnxruntime.artifact", "onnxruntime");
    }

    public static String onnxRuntimeVersion() {
        return PROPERTIES.getProperty("onnxruntime.version", "unknown");
    }
}
