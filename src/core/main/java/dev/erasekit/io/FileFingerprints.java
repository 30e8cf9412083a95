package dev.erasekit.io;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 fingerprints of large files (a 0.5 GB text encoder, say) computed once and remembered in
 * the cache by each file's identity — real path, size, modification time to the nanosecond and file
 * key (inode) — the way git's index and ccache's direct mode avoid rehashing unchanged files. A file
 * rewritten in place gets a new modification time, so a new hash. Thread-safe.
 */
public final class FileFingerprints {
    /** Read buffer: reads, not a memory map, so hashing a large file does not add it to the process's RSS. */
    private static final int BUFFER = 4 << 20;
    private static final String SHA256 = "sha256";

    private FileFingerprints() {
    }

    /**
     * The first 16 bytes (hex) of SHA-256 over {@code files} in order, remembered under
     * {@code cacheRoot/fingerprints} (null: computed every time).
     */
    public static String of(List<Path> files, Path cacheRoot) {
        return remembered(SHA256, files, cacheRoot, () -> hash(files));
    }

    /**
     * A value derived from {@code files} alone (their hash, or the fingerprint of the weights they hold),
     * computed once and remembered under {@code cacheRoot/fingerprints} by the files' identity and
     * {@code kind}; null {@code cacheRoot}: computed every time.
     */
    public static String remembered(String kind, List<Path> files, Path cacheRoot, java.util.function.Supplier<String> compute) {
        String identity = kind + "\t" + identity(files);
        Path memo = memo(identity, cacheRoot);
        Optional<String> known = read(memo, identity);
        if (known.isPresent()) return known.get();
        String hash = compute.get();
        if (memo != null) {
            try {
                Files.createDirectories(memo.getParent());
                AtomicFiles.write(memo, tmp -> Files.writeString(tmp, identity.replace('\n', ' ') + "\n" + hash + "\n",
                        StandardCharsets.UTF_8));
            } catch (IOException | ErasekitException e) {
                // a read-only cache only costs the next run another hash
            }
        }
        return hash;
    }

    /**
     * The hash {@link #of} would return if it is remembered under {@code cacheRoot} for the files as they
     * are now; empty when it would have to read them (or {@code cacheRoot} is null).
     */
    public static Optional<String> known(List<Path> files, Path cacheRoot) {
        String identity = SHA256 + "\t" + identity(files);
        return read(memo(identity, cacheRoot), identity);
    }

    private static Path memo(String identity, Path cacheRoot) {
        return cacheRoot == null ? null : cacheRoot.resolve("fingerprints").resolve(hex(sha256().digest(
                identity.getBytes(StandardCharsets.UTF_8))) + ".txt");
    }

    private static Optional<String> read(Path memo, String identity) {
        if (memo == null) return Optional.empty();
        try {
            List<String> lines = Files.readAllLines(memo, StandardCharsets.UTF_8);
            if (lines.size() == 2 && lines.get(0).equals(identity.replace('\n', ' ')) && lines.get(1).matches("[0-9a-f]{32}")) {
                return Optional.of(lines.get(1));
            }
        } catch (IOException | RuntimeException e) {
            // absent or unreadable: hash again and rewrite it
        }
        return Optional.empty();
    }

    /** Each file's real path, size, modification time (ns) and file key, one per line joined by tabs. */
    private static String identity(List<Path> files) {
        StringBuilder b = new StringBuilder();
        for (Path f : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                b.append(f.toRealPath()).append('|').append(a.size()).append('|')
                        .append(a.lastModifiedTime().to(TimeUnit.NANOSECONDS)).append('|').append(a.fileKey()).append('\t');
            } catch (IOException e) {
                throw new CorruptFileException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return b.toString();
    }

    private static String hash(List<Path> files) {
        MessageDigest sha = sha256();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                while (ch.read(buffer.clear()) >= 0) sha.update(buffer.flip());
            } catch (IOException e) {
                throw new CorruptFileException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return hex(sha.digest());
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
