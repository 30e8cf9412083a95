package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The JPMS module exports the API packages only, unqualified, and nothing else. */
class ModuleTest {
    @Test
    void exportsOnlyTheApi() throws Exception {
        Path classes = Path.of(Engine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d;
        Set<String> packages;
        try (var all = Files.walk(classes)) {
            packages = all.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
                    .map(p -> classes.relativize(p.getParent()).toString().replace('/', '.')).collect(Collectors.toSet());
        }
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in, () -> packages);
        }
        assertEquals("dev.erasekit.core", d.name());
        Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("dev.erasekit", "dev.erasekit.error", "dev.erasekit.method", "dev.erasekit.tensor")), exported);
        assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified), "no qualified exports");
        assertTrue(d.packages().contains("dev.erasekit.linalg") && d.packages().contains("dev.erasekit.model"),
                "the internal packages are in the module, not exported: " + d.packages());
    }
}
