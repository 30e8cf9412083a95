package dev.erasekit.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Discovery order and the message listing what was tried. */
class LibraryLocatorTest {

    @Test
    void missingLibraryListsEveryCandidate() {
        var e = assertThrows(LibraryNotFoundException.class, () -> LibraryLocator.system("Nothing", "nothing",
                List.of(Path.of("/opt/nowhere")), "libnothing.so.9", "libnothing.so").load());
        assertTrue(e.getMessage().startsWith("Nothing not found; tried:"), e.getMessage());
        assertEquals(List.of("system loader: libnothing.so.9", "system loader: libnothing.so",
                        "fallback: /opt/nowhere/libnothing.so.9", "fallback: /opt/nowhere/libnothing.so"),
                e.tried().stream().map(t -> t.substring(0, t.indexOf(" ("))).toList());
        assertTrue(e.tried().get(2).endsWith("(no such file)"), e.tried().get(2));
    }

    @Test
    void explicitConfigurationComesFirst() {
        System.setProperty("erasekit.lib.nothing2", "/opt/configured/libx.so");
        try {
            var e = assertThrows(LibraryNotFoundException.class,
                    () -> LibraryLocator.cuda("Nothing2", "nothing2", "libnothing2.so.1").load());
            assertEquals("configured: /opt/configured/libx.so (no such file)", e.tried().get(0));
            assertTrue(e.tried().stream().anyMatch(t -> t.contains("cuda-double/libnothing2.so.1")),
                    "the configured CUDA folder is searched: " + e.tried());
            assertTrue(e.tried().stream().anyMatch(t -> t.startsWith("system loader: libnothing2.so.1")));
        } finally {
            System.clearProperty("erasekit.lib.nothing2");
        }
    }

    @Test
    void cudaLibrariesResolveToTheConfiguredFolder() {
        assertTrue(Cublas.get().library().origin().startsWith("configured: "), Cublas.get().library().origin());
        assertTrue(Cusolver.get().library().origin().endsWith("libcusolver.so.12"));
    }
}
