package dev.erasekit.cli;

import dev.erasekit.error.CorruptFileException;
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
            List<String> lines = Files.readAllLines(file);
            // a UTF-8 byte-order mark (Windows editors write one) is not part of the first line's text
            if (!lines.isEmpty() && lines.getFirst().startsWith("\uFEFF")) lines.set(0, lines.getFirst().substring(1));
            return lines.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (NoSuchFileException e) {
            throw new CorruptFileException("file not found: " + file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new CorruptFileException(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
