package dev.erasekit.ort;

import ai.onnxruntime.OrtEnvironment;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.io.AtomicFiles;
import dev.erasekit.io.BuildInfo;
import dev.erasekit.io.CacheRoot;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prepares ONNX Runtime before its first use in the process; every session is created through
 * {@link #environment()}. Two things are done, both once:
 * <ul>
 * <li><b>Telemetry off.</b> ONNX Runtime 1.29's Linux build enables 1DS telemetry by default: at
 * environment creation it sends a process-information event (which reads {@code /proc/self/cmdline}
 * recursively: a command line over ~4 KB overflows the main thread's stack and the process dies with
 * SIGSEGV), keeps a device id and an offline event cache under {@code ~/.cache}, and writes
 * {@code /tmp/mat-debug-PID.log}. Its only full opt-out is the environment variable
 * {@code ORT_DISABLE_TELEMETRY=1} read at initialisation, so unless the host set that variable itself,
 * or sets the system property {@code erasekit.ort.telemetry=true}, it is set in the process environment
 * (libc {@code setenv}, through FFM) before ONNX Runtime loads.</li>
 * <li><b>Native libraries from a cache.</b> ONNX Runtime's Java loader extracts its 28 MB of native
 * libraries into a new {@code /tmp/onnxruntime-java*} folder on every start and leaves the folder
 * behind (and the libraries too, when the process is killed). Unless {@code onnxruntime.native.path}
 * is already set, they are extracted once into {@code <cache>/native/<artifact>-<version>-<platform>/}
 * (atomically; checked by size on every start) and the property points there.</li>
 * </ul>
 * Thread-safe; a failure of either step leaves ONNX Runtime's own behaviour in place.
 */
public final class OrtRuntime {
    private static final System.Logger LOG = System.getLogger(OrtRuntime.class.getName());
    private static final List<String> LIBRARIES = List.of("onnxruntime", "onnxruntime4j_jni", "onnxruntime_providers_shared",
            "onnxruntime_providers_cuda", "onnxruntime_providers_tensorrt");
    private static volatile boolean prepared;

    private OrtRuntime() {
    }

    /** ONNX Runtime's process-wide environment, prepared as above. */
    public static OrtEnvironment environment() {
        prepare();
        return OrtEnvironment.getEnvironment();
    }

    /** Does the two preparations once (idempotent; called by {@link #environment()}). */
    public static synchronized void prepare() {
        if (prepared) return;
        prepared = true;
        if (System.getenv("ORT_DISABLE_TELEMETRY") == null && !Boolean.getBoolean("erasekit.ort.telemetry")) {
            setenv("ORT_DISABLE_TELEMETRY", "1");
        }
        if (System.getProperty("onnxruntime.native.path") == null) {
            try {
                Path dir = extractLibraries();
                if (dir != null) System.setProperty("onnxruntime.native.path", dir.toString());
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "ONNX Runtime libraries not cached, its loader extracts them: {0}", e.toString());
            }
        }
    }

    private static void setenv(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            int rc = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (rc != 0) LOG.log(System.Logger.Level.DEBUG, "setenv({0}) failed", name);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot set {0}: {1}", name, e.toString());
        }
    }

    /** The cache folder holding this build's ONNX Runtime libraries, extracted if needed; null when the jar has none. */
    static Path extractLibraries() throws IOException {
        String platform = platform();
        if (platform == null) return null;
        String id = BuildInfo.onnxRuntimeArtifact() + "-" + BuildInfo.onnxRuntimeVersion() + "-" + platform;
        Path dir = CacheRoot.defaultRoot().resolve("native").resolve(id);
        if (complete(dir, platform)) return dir;
        Files.createDirectories(dir.getParent());
        Path tmp = AtomicFiles.temporaryFolder(dir);
        try {
            boolean any = false;
            for (String lib : LIBRARIES) {
                URL url = resource(platform, lib);
                if (url == null) continue;
                try (InputStream in = url.openStream()) {
                    Files.copy(in, tmp.resolve(System.mapLibraryName(lib)));
                }
                any = true;
            }
            if (!any) return null;
            try {
                AtomicFiles.publishFolder(tmp, dir);
            } catch (ErasekitException e) {
                if (!complete(dir, platform)) throw e; // another process published the same libraries first
            }
            return dir;
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
    }

    private static boolean complete(Path dir, String platform) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        boolean any = false;
        for (String lib : LIBRARIES) {
            URL url = resource(platform, lib);
            if (url == null) continue;
            Path f = dir.resolve(System.mapLibraryName(lib));
            long want = url.openConnection().getContentLengthLong();
            if (!Files.isRegularFile(f) || (want >= 0 && Files.size(f) != want)) return false;
            any = true;
        }
        return any;
    }

    private static URL resource(String platform, String lib) {
        return OrtEnvironment.class.getResource("/ai/onnxruntime/native/" + platform + "/" + System.mapLibraryName(lib));
    }

    /** ONNX Runtime's resource folder name for this OS and architecture, or null for one it does not ship. */
    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT), arch = System.getProperty("os.arch", "");
        String o = os.contains("linux") ? "linux" : os.contains("mac") || os.contains("darwin") ? "osx" : os.contains("win") ? "win" : null;
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        return o == null || a == null ? null : o + "-" + a;
    }
}
