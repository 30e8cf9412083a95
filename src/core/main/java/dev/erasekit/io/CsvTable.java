package dev.erasekit.io;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A CSV file with a header row, read as RFC 4180 (quoted fields, embedded newlines) by
 * jackson-dataformat-csv: the prompt sets of the field (I2P, COCO, artist lists) are such files.
 * Immutable; thread-safe.
 */
public record CsvTable(Path file, List<String> columns, List<Map<String, String>> rows) {

    public static CsvTable read(Path file) {
        CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> it = mapper.readerFor(Map.class).with(schema).readValues(file.toFile())) {
            List<Map<String, String>> rows = new ArrayList<>();
            while (it.hasNext()) rows.add(it.next());
            CsvSchema parsed = (CsvSchema) it.getParser().getSchema();
            List<String> columns = new ArrayList<>();
            parsed.forEach(c -> columns.add(c.getName()));
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String c : columns) {
                if (!seen.add(c)) throw new CorruptFileException(file + " has the column '" + c + "' twice in its header");
            }
            return new CsvTable(file, columns, rows);
        } catch (NoSuchFileException e) {
            throw new CorruptFileException("file not found: " + file);
        } catch (IOException | RuntimeException e) {
            throw new CorruptFileException(file + " is not a readable CSV file: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** The values of a column, in row order; an unknown column is an error that lists the columns. */
    public List<String> column(String name) {
        if (!columns.contains(name)) throw new CorruptFileException(file + " has no column '" + name + "'; columns: " + columns);
        return rows.stream().map(r -> r.getOrDefault(name, "")).toList();
    }

    public boolean has(String name) {
        return columns.contains(name);
    }
}
