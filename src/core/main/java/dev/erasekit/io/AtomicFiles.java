package dev.erasekit.io;

import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.OutOfResourcesException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every file and folder erasekit writes goes through here: it is written under a temporary name in
 * the same folder, {@code .NAME.erasekit-PID-RANDOM.tmp}, and renamed onto NAME only when complete,
 * so a failure or a kill leaves NAME as it was. Temporary files are created with the process's umask
 * (not {@code Files.createTempFile}'s 0600), so outputs get the permissions any other program's
 * would. Leftovers of killed runs (their PID no longer alive) are removed the next time the same
 * target is written; nothing else is ever deleted.
 */
public final class AtomicFiles {
    private static final Pattern OURS = Pattern.compile("\\.(.+)\\.erasekit-(\\d+)-[0-9a-f]+\\.(tmp|partial|old)");

    /** Writes into the temporary path it is given; throws to abandon the output. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temporary) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Writes {@code target} atomically: {@code body} fills a temporary sibling file, which is then renamed. */
    public static void write(Path target, Writer body) {
        Path tmp = newTemporary(target, "tmp", false);
        try {
            body.write(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw writeFailure(target, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Several files written all or none: each is written under its temporary name as the work goes
     * on, and all are renamed onto their targets by {@link #commit()}; {@link #close()} without a
     * commit deletes the temporaries, leaving every target as it was. Not thread-safe.
     */
    public static final class Batch implements AutoCloseable {
        private final java.util.LinkedHashMap<Path, Path> staged = new java.util.LinkedHashMap<>();
        private boolean committed;

        /** Writes one file of the batch (to its temporary name). */
        public void write(Path target, Writer body) {
            Path tmp = newTemporary(target, "tmp", false);
            staged.put(target, tmp);
            try {
                body.write(tmp);
            } catch (IOException e) {
                throw writeFailure(target, e);
            }
        }

        /** Renames every staged file onto its target. */
        public void commit() {
            for (var e : staged.entrySet()) {
                try {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException x) {
                    throw writeFailure(e.getKey(), x);
                }
            }
            committed = true;
        }

        @Override
        public void close() {
            if (!committed) staged.values().forEach(AtomicFiles::deleteQuietly);
            staged.clear();
        }
    }

    /**
     * A new empty temporary folder beside {@code target} (mode from the umask), for outputs assembled
     * file by file and renamed with {@link #publishFolder}. The caller deletes it on failure ({@link #deleteTree}).
     */
    public static Path temporaryFolder(Path target) {
        return newTemporary(target, "partial", true);
    }

    /** Renames the completed folder {@code tmp} onto {@code target}, which must not exist. */
    public static void publishFolder(Path tmp, Path target) {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw writeFailure(target, e);
        }
    }

    /** A name beside {@code target} for moving an old output aside before it is replaced. */
    public static Path asideName(Path target) {
        return name(target, "old");
    }

    private static Path newTemporary(Path target, String kind, boolean folder) {
        Path abs = target.toAbsolutePath().normalize();
        cleanStale(abs);
        Path tmp = name(abs, kind);
        try {
            return folder ? Files.createDirectory(tmp) : Files.createFile(tmp);
        } catch (IOException e) {
            throw writeFailure(target, e);
        }
    }

    private static Path name(Path target, String kind) {
        Path abs = target.toAbsolutePath().normalize();
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        return abs.resolveSibling("." + abs.getFileName() + ".erasekit-" + ProcessHandle.current().pid() + "-" + random + "." + kind);
    }

    /** Removes temporary files and folders erasekit left beside {@code target} in runs that are no longer alive. */
    static void cleanStale(Path target) {
        Path dir = target.getParent();
        String name = target.getFileName().toString();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "." + glob(name) + ".erasekit-*")) {
            for (Path p : entries) {
                Matcher m = OURS.matcher(p.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(name)) continue;
                long pid = Long.parseLong(m.group(2));
                if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).isPresent()) continue;
                deleteTree(p);
            }
        } catch (IOException | RuntimeException e) {
            // a leftover that cannot be removed costs only disk; the write itself goes on
        }
    }

    private static String glob(String name) {
        return name.replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1");
    }

    /** One clear error for a failed write: a full disk is {@link OutOfResourcesException}, anything else names the cause. */
    public static ErasekitException writeFailure(Path target, IOException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String why = root instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (why.contains("No space left") || why.contains("Disk quota")) {
            return new OutOfResourcesException("cannot write " + target + ": " + why + " (nothing was written)", e);
        }
        return new InvalidInputException("cannot write " + target + ": " + why, e);
    }

    /** Deletes a file or folder tree erasekit wrote itself (links are removed, never followed). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path x : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // the next run that writes this target removes it
        }
    }
}
