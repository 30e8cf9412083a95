package dev.erasekit.cli;

import dev.erasekit.ErasekitException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Prompt lists given as files: one prompt per line, blank lines skipped. */
final class PromptFiles {
    private PromptFiles() {
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (NoSuchFileException e) {
            throw new ErasekitException("file not found: " + file);
        } catch (IOException e) {
            throw new ErasekitException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
