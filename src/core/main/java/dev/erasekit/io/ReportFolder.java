package dev.erasekit.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A report folder ({@code validate}, {@code demo}): assembled in a temporary folder beside the output
 * and renamed into place when complete, with a marker file {@value #MARKER} that lists every file
 * erasekit wrote into it. An existing output is replaced only when it carries that marker and holds
 * nothing else: a folder of the user's is never emptied, and files added to an old report are never
 * deleted (the run is refused instead).
 * Stateless; thread-safe.
 */
public final class ReportFolder {
    public static final String MARKER = ".erasekit-report.json";
    static final String FORMAT = "erasekit-report/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fills the report folder it is given. */
    @FunctionalInterface
    public interface Body {
        void write(Path folder) throws Exception;
    }

    private ReportFolder() {
    }

    /** Fails before any work unless {@code output} can take a report: absent, or a complete earlier report. */
    public static void check(Path output, List<Path> models, List<Path> inputs) {
        OutputPaths.checkFolder(output, models, inputs);
        Path target = OutputPaths.resolve(output);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) return;
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException(output + " exists and is not a folder; choose another --output");
        }
        List<String> foreign = foreignFiles(target);
        if (foreign == null) {
            throw new InvalidInputException(output + " exists and is not an erasekit report (no " + MARKER
                    + "); choose another --output");
        }
        if (!foreign.isEmpty()) {
            throw new InvalidInputException(output + " is an earlier erasekit report, but it now also holds files erasekit did"
                    + " not write (" + String.join(", ", foreign.subList(0, Math.min(3, foreign.size())))
                    + (foreign.size() > 3 ? ", …" : "") + "); move them, or choose another --output");
        }
    }

    /** Writes the report: {@code body} fills a temporary folder, which then replaces {@code output}. */
    public static void write(Path output, List<Path> models, List<Path> inputs, Body body) throws Exception {
        check(output, models, inputs);
        Path target = OutputPaths.resolve(output);
        Path tmp = AtomicFiles.temporaryFolder(target);
        try {
            body.write(tmp);
            List<String> files = new ArrayList<>();
            try (Stream<Path> all = Files.walk(tmp)) {
                for (Path p : all.filter(Files::isRegularFile).sorted().toList()) files.add(tmp.relativize(p).toString());
            }
            Files.writeString(tmp.resolve(MARKER), JSON.writeValueAsString(Map.of("format", FORMAT, "files", files)));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                check(output, models, inputs);
                Path aside = AtomicFiles.asideName(target);
                Files.move(target, aside);
                AtomicFiles.publishFolder(tmp, target);
                deleteReport(aside);
            } else {
                AtomicFiles.publishFolder(tmp, target);
            }
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
    }

    /** The files of {@code dir} its marker does not list, or null when it has no valid marker. */
    static List<String> foreignFiles(Path dir) {
        Set<String> listed = listed(dir);
        if (listed == null) return null;
        List<String> foreign = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted().toList()) {
                String rel = dir.relativize(p).toString();
                if (p.equals(dir) || rel.equals(MARKER) || listed.contains(rel)) continue;
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && isAncestorOfListed(rel, listed)) continue;
                foreign.add(rel);
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return foreign;
    }

    private static boolean isAncestorOfListed(String rel, Set<String> listed) {
        String prefix = rel + java.io.File.separator;
        return listed.stream().anyMatch(f -> f.startsWith(prefix));
    }

    private static Set<String> listed(Path dir) {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) return null;
        try {
            JsonNode j = JSON.readTree(marker.toFile());
            if (!FORMAT.equals(j.path("format").asText()) || !j.path("files").isArray()) return null;
            Set<String> out = new HashSet<>();
            j.get("files").forEach(f -> out.add(f.asText()));
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    /** Deletes a replaced report: only the files its marker lists, then the folders they leave empty. */
    private static void deleteReport(Path dir) throws IOException {
        Set<String> listed = listed(dir);
        if (listed == null) return;
        for (String f : listed) Files.deleteIfExists(dir.resolve(f));
        Files.deleteIfExists(dir.resolve(MARKER));
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> left = Files.list(p)) {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && left.findAny().isEmpty()) Files.delete(p);
                } catch (java.nio.file.NotDirectoryException e) {
                    // a file the marker did not list: kept (check() refused such folders, so only a race gets here)
                }
            }
        }
    }
}
