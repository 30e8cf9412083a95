package dev.erasekit.io;

import dev.erasekit.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The checks every output path passes before any work (README, "Guarantees"): its folder exists and
 * can be written, it lies outside every model folder the command reads, and it is none of the
 * command's inputs — compared by real path and, for hard links, by file identity. erasekit never
 * writes into a model and never replaces a file it reads.
 * Stateless; thread-safe.
 */
public final class OutputPaths {
    private OutputPaths() {
    }

    /**
     * Refuses {@code output} (a file to create or replace) when it is unusable. {@code models} are the
     * model folders the command reads; {@code inputs} the other files it reads (null entries are skipped).
     */
    public static void checkFile(Path output, List<Path> models, List<Path> inputs) {
        Path target = resolve(output);
        if (Files.isDirectory(target)) throw new InvalidInputException(output + " is a folder; give a file name to write");
        checkOutside(output, target, models, inputs);
    }

    /** Refuses {@code output} (a folder to create) when it is unusable, as {@link #checkFile}. */
    public static void checkFolder(Path output, List<Path> models, List<Path> inputs) {
        checkOutside(output, resolve(output), models, inputs);
    }

    /** The output's real location: its folder's real path plus its name; the folder must exist and be writable. */
    public static Path resolve(Path output) {
        Path abs = output.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || abs.getFileName() == null) throw new InvalidInputException("cannot write to " + output);
        if (!Files.isDirectory(parent)) throw new InvalidInputException("output folder does not exist: " + parent);
        if (!Files.isWritable(parent)) throw new InvalidInputException("output folder is not writable: " + parent);
        try {
            return parent.toRealPath().resolve(abs.getFileName().toString());
        } catch (IOException e) {
            throw new InvalidInputException("cannot use the output folder " + parent + ": " + e.getMessage(), e);
        }
    }

    private static void checkOutside(Path output, Path target, List<Path> models, List<Path> inputs) {
        for (Path model : models.stream().filter(Objects::nonNull).toList()) {
            Path real = realOrNull(model);
            if (real == null) continue;
            if (target.startsWith(real)) {
                throw new InvalidInputException(output + " is inside the model folder " + model
                        + "; erasekit never writes into a model: choose an output outside it");
            }
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> files = Files.walk(real)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        if (Files.isSameFile(f, target)) {
                            throw new InvalidInputException(output + " is the same file as " + f + " of the model " + model
                                    + " (a link to it); choose another output");
                        }
                    }
                } catch (IOException e) {
                    throw new InvalidInputException("cannot check " + output + " against the model " + model + ": "
                            + e.getMessage(), e);
                }
            }
        }
        for (Path input : inputs.stream().filter(Objects::nonNull).toList()) {
            Path real = realOrNull(input);
            if (real == null) continue;
            boolean same = real.equals(target);
            try {
                same = same || Files.exists(target) && Files.isSameFile(real, target);
            } catch (IOException e) {
                // cannot compare: the real paths differ, so treat them as different files
            }
            if (same) throw new InvalidInputException(output + " is also an input of this command; choose another output");
            if (Files.isDirectory(real) && target.startsWith(real)) {
                throw new InvalidInputException(output + " is inside the input folder " + input + "; choose an output outside it");
            }
        }
    }

    private static Path realOrNull(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }
}
