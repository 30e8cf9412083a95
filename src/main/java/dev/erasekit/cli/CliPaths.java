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

    /** Fills a folder given its path. */
    @FunctionalInterface
    interface FolderWriter {
        void write(Path dir) throws Exception;
    }

    /**
     * Writes a report folder: into a hidden sibling first, moved into place when complete, so a failed
     * run leaves no partial report. An earlier report at {@code output} is replaced; anything else there
     * is refused before any work.
     */
    static void writeReportFolder(Path output, FolderWriter body) throws Exception {
        requireReportTarget(output);
        Path tmp = output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".partial");
        deleteTree(tmp);
        try {
            body.write(tmp);
            deleteTree(output);
            Files.move(tmp, output);
        } finally {
            deleteTree(tmp);
        }
    }

    /** Fails before any work unless {@code output} can take a report (absent, or an earlier report). */
    static void requireReportTarget(Path output) {
        requireOutputFolder(output);
        if (Files.exists(output) && !Files.exists(output.resolve("report.json"))) {
            throw new ErasekitException(output + " exists and is not an erasekit report; choose another --output");
        }
    }

    /** Deletes a folder tree if it exists (links are removed, not followed). */
    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (var all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
