package dev.erasekit.cli;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.CsvTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Concepts (and optionally each one's guide/anchor) from a file: one concept per line, or a CSV with
 * a header whose concept column is {@code --column} (default: "concept", "artist", "name", else the
 * first) and whose "guide" or "anchor" column, when present, gives each concept its own target.
 * Repeated concepts are kept once, in first-seen order (the artist sets list each name 5 times).
 */
record ConceptList(List<String> concepts, List<String> guides) {

    static ConceptList read(Path file, String column, int max) {
        Map<String, String> byConcept = new LinkedHashMap<>();
        if (file.toString().toLowerCase().endsWith(".csv")) {
            CsvTable t = CsvTable.read(file);
            String c = column != null ? column : List.of("concept", "artist", "name").stream().filter(t::has).findFirst()
                    .orElse(t.columns().getFirst());
            List<String> names = t.column(c);
            String g = t.has("guide") ? "guide" : t.has("anchor") ? "anchor" : null;
            List<String> targets = g == null ? null : t.column(g);
            for (int i = 0; i < names.size(); i++) {
                String n = names.get(i).strip();
                if (!n.isEmpty()) byConcept.putIfAbsent(n, targets == null ? null : targets.get(i));
            }
        } else {
            if (column != null) throw new InvalidInputException("--column applies to CSV files; " + file + " is read line by line");
            for (String line : PromptFiles.lines(file)) byConcept.putIfAbsent(line, null);
        }
        if (byConcept.isEmpty()) throw new CorruptFileException(file + " lists no concepts");
        List<String> concepts = new ArrayList<>(byConcept.keySet());
        if (max > 0 && concepts.size() > max) concepts = concepts.subList(0, max);
        List<String> guides = new ArrayList<>();
        for (String c : concepts) guides.add(byConcept.get(c));
        return new ConceptList(List.copyOf(concepts), guides.contains(null) ? List.of() : List.copyOf(guides));
    }
}
