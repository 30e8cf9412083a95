package dev.erasekit.cli;

import dev.erasekit.ErasekitException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Path conventions shared by the commands. */
final class CliPaths {
    private CliPaths() {
    }

    /** Fails before any work when the folder an output file goes into does not exist. */
    static void requireOutputFolder(Path output) {
        Path parent = output.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new ErasekitException("output folder does not exist: " + parent);
    }

    /** Deletes a folder tree if it exists (links are removed, not followed). */
    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
