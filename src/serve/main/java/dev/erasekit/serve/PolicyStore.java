package dev.erasekit.serve;

import dev.erasekit.Policy;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The server's policies, by id: in memory, and — with a folder — one {@code ID.policy.safetensors} file
 * each, written atomically, read back at start (so they survive a restart). At start a file that is
 * damaged or was made for another base model is reported and left alone, not deleted; {@link #delete}
 * removes only files this store names. Thread-safe.
 */
final class PolicyStore {
    static final String SUFFIX = ".policy.safetensors";
    private final Optional<Path> dir;
    private final Map<String, Policy> byId = new ConcurrentSkipListMap<>();
    private final SecureRandom random = new SecureRandom();

    private PolicyStore(Optional<Path> dir) {
        this.dir = dir;
    }

    /** Opens the store (creating the folder), loading every policy made for {@code baseFingerprint}; {@code warn} hears the rest. */
    static PolicyStore open(Optional<Path> dir, String baseFingerprint, Consumer<String> warn) {
        PolicyStore s = new PolicyStore(dir);
        if (dir.isEmpty()) return s;
        try {
            Files.createDirectories(dir.get());
        } catch (IOException e) {
            throw AtomicFiles.writeFailure(dir.get(), e);
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                try {
                    Policy p = Policy.read(f);
                    if (!p.baseFingerprint().equals(baseFingerprint)) {
                        warn.accept("skipping " + f + ": made for the base model " + p.baseFingerprint() + ", this one is " + baseFingerprint);
                    } else if (!f.getFileName().toString().equals(p.id() + SUFFIX)) {
                        warn.accept("skipping " + f + ": it holds the policy " + p.id());
                    } else {
                        s.byId.put(p.id(), p);
                    }
                } catch (ErasekitException e) {
                    warn.accept("skipping " + f + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot list the policies folder " + dir.get() + ": " + e.getMessage());
        }
        return s;
    }

    /** A fresh id: 12 random hex digits. */
    String newId() {
        byte[] b = new byte[6];
        String id;
        do {
            random.nextBytes(b);
            id = HexFormat.of().formatHex(b);
        } while (byId.containsKey(id));
        return id;
    }

    Policy get(String id) {
        Policy p = byId.get(id);
        if (p == null) throw ApiError.notFound("no policy " + id);
        return p;
    }

    List<Policy> list() {
        return List.copyOf(byId.values());
    }

    int size() {
        return byId.size();
    }

    /** Stores the policy: its file first (atomically), then the map; a failed write stores nothing. */
    synchronized void put(Policy p) {
        dir.ifPresent(d -> p.write(d.resolve(p.id() + SUFFIX)));
        byId.put(p.id(), p);
    }

    /** Removes the policy and its file; false when there is none. */
    synchronized boolean delete(String id) {
        if (byId.remove(id) == null) return false;
        if (dir.isPresent()) {
            Path f = dir.get().resolve(id + SUFFIX);
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                throw AtomicFiles.writeFailure(f, e);
            }
        }
        return true;
    }
}
