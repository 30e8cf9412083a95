package dev.erasekit.bindings;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds a native library, in this order (README "Layout"):
 * <ol>
 *   <li>explicit configuration: system property {@code erasekit.lib.<key>} or environment variable
 *       {@code ERASEKIT_LIB_<KEY>} (a file), or for CUDA libraries the directory in
 *       {@code erasekit.cuda.dir} / {@code ERASEKIT_CUDA_DIR};</li>
 *   <li>the system loader ({@code dlopen} by soname: LD_LIBRARY_PATH, the ld cache);</li>
 *   <li>{@code $CUDA_HOME/lib64}, {@code $CUDA_HOME/lib} and {@code $CUDA_HOME/targets/x86_64-linux/lib};</li>
 *   <li>pip wheels: {@code site-packages/nvidia/*}{@code /lib} under the usual Python prefixes,
 *       {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX} and {@code $PYTHONPATH}.</li>
 * </ol>
 * Sonames are tried in the order given (newest first). When nothing loads, the exception lists
 * every candidate tried and why it failed.
 * Immutable; thread-safe.
 */
public final class LibraryLocator {
    private final String name;
    private final String key;
    private final List<String> sonames;
    private final boolean cuda;
    private final List<Path> extraDirs;

    private LibraryLocator(String name, String key, List<String> sonames, boolean cuda, List<Path> extraDirs) {
        this.name = name;
        this.key = key;
        this.sonames = List.copyOf(sonames);
        this.cuda = cuda;
        this.extraDirs = List.copyOf(extraDirs);
    }

    /** A CUDA toolkit library (explicit config, system loader, CUDA_HOME, pip wheels). */
    public static LibraryLocator cuda(String name, String key, String... sonames) {
        return new LibraryLocator(name, key, List.of(sonames), true, List.of());
    }

    /** A system library (explicit config, system loader, then the given fallback directories). */
    public static LibraryLocator system(String name, String key, List<Path> fallbackDirs, String... sonames) {
        return new LibraryLocator(name, key, List.of(sonames), false, fallbackDirs);
    }

    /** Loads the first candidate that works, or throws {@link LibraryNotFoundException}. */
    public NativeLibrary load() {
        List<String> tried = new ArrayList<>();
        for (Candidate c : candidates()) {
            try {
                SymbolLookup lookup = c.path() == null
                        ? SymbolLookup.libraryLookup(c.soname(), Arena.global())
                        : SymbolLookup.libraryLookup(c.path(), Arena.global());
                return new NativeLibrary(name, c.describe(), lookup);
            } catch (IllegalArgumentException | IllegalCallerException e) {
                tried.add(c.describe() + " (" + reason(c, e) + ")");
            }
        }
        throw new LibraryNotFoundException(name, tried);
    }

    private record Candidate(String via, String soname, Path path) {
        String describe() {
            return via + ": " + (path == null ? soname : path.toString());
        }
    }

    private static String reason(Candidate c, RuntimeException e) {
        if (c.path() != null && !Files.exists(c.path())) return "no such file";
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private List<Candidate> candidates() {
        List<Candidate> out = new ArrayList<>();
        String file = setting("erasekit.lib." + key, "ERASEKIT_LIB_" + key.toUpperCase());
        if (file != null) out.add(new Candidate("configured", null, Path.of(file)));
        if (cuda) {
            String dir = setting("erasekit.cuda.dir", "ERASEKIT_CUDA_DIR");
            if (dir != null) addDir(out, "configured", Path.of(dir));
        }
        for (String soname : sonames) out.add(new Candidate("system loader", soname, null));
        if (cuda) {
            String home = System.getenv("CUDA_HOME");
            if (home != null) {
                for (String sub : List.of("lib64", "lib", "targets/x86_64-linux/lib")) {
                    addDir(out, "CUDA_HOME", Path.of(home, sub));
                }
            }
            for (Path lib : wheelLibDirs()) addDir(out, "pip wheel", lib);
        }
        for (Path dir : extraDirs) addDir(out, "fallback", dir);
        return out;
    }

    private void addDir(List<Candidate> out, String via, Path dir) {
        for (String soname : sonames) out.add(new Candidate(via, soname, dir.resolve(soname)));
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) v = System.getenv(env);
        return v == null || v.isBlank() ? null : v;
    }

    /** {@code nvidia/*}{@code /lib} folders of every site-packages we can find. */
    static List<Path> wheelLibDirs() {
        Set<Path> sitePackages = new LinkedHashSet<>();
        List<Path> prefixes = new ArrayList<>();
        for (String env : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = System.getenv(env);
            if (v != null) prefixes.add(Path.of(v));
        }
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        prefixes.add(Path.of("/opt/conda"));
        String home = System.getProperty("user.home");
        if (home != null) prefixes.add(Path.of(home, ".local"));
        for (Path prefix : prefixes) {
            for (Path python : list(prefix.resolve("lib"), "python3*")) {
                sitePackages.add(python.resolve("site-packages"));
                sitePackages.add(python.resolve("dist-packages"));
            }
        }
        String pythonPath = System.getenv("PYTHONPATH");
        if (pythonPath != null) {
            for (String p : pythonPath.split(":")) if (!p.isBlank()) sitePackages.add(Path.of(p));
        }
        List<Path> libs = new ArrayList<>();
        for (Path site : sitePackages) {
            for (Path pkg : list(site.resolve("nvidia"), "*")) {
                Path lib = pkg.resolve("lib");
                if (Files.isDirectory(lib)) libs.add(lib);
            }
        }
        return libs;
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) out.add(p);
        } catch (IOException e) {
            // an unreadable folder is simply not a candidate
        }
        out.sort(null);
        return out;
    }
}
