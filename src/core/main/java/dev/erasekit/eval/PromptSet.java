package dev.erasekit.eval;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.CsvTable;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluation prompts from the field's CSVs (I2P, COCO, artist sets): column {@code prompt}, and per
 * row, when present, {@code evaluation_seed}, {@code evaluation_guidance}, {@code sd_image_width},
 * {@code sd_image_height}; otherwise the defaults given.
 * Immutable; thread-safe.
 */
public record PromptSet(String name, List<Prompt> prompts) {

    /** One evaluation prompt and its generation settings. */
    public record Prompt(String text, long seed, double guidance, int width, int height) {
    }

    public static PromptSet read(Path csv, int limit, long seed, double guidance, int width, int height) {
        if (limit < 0) throw new InvalidInputException("the prompt limit must be ≥ 0 (0: all), got " + limit);
        CsvTable t = CsvTable.read(csv);
        if (!t.has("prompt")) throw new CorruptFileException(csv + " has no 'prompt' column; columns: " + t.columns());
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < t.rows().size(); i++) {
            if (limit > 0 && out.size() >= limit) break;
            Map<String, String> row = t.rows().get(i);
            String p = row.get("prompt");
            if (p == null || p.isBlank()) continue;
            int line = i + 1; // data rows, counted from 1 after the header
            out.add(new Prompt(p, integer(csv, line, row, "evaluation_seed", seed, Long.MIN_VALUE, Long.MAX_VALUE),
                    real(csv, line, row, "evaluation_guidance", guidance),
                    (int) integer(csv, line, row, "sd_image_width", width, 8, Integer.MAX_VALUE),
                    (int) integer(csv, line, row, "sd_image_height", height, 8, Integer.MAX_VALUE)));
        }
        if (out.isEmpty()) throw new CorruptFileException(csv + " has no prompts");
        return new PromptSet(csv.getFileName().toString(), out);
    }

    /** An integer cell ("123" or "123.0", as pandas writes them), exactly; the fallback when the cell is empty. */
    private static long integer(Path csv, int line, Map<String, String> row, String column, long fallback, long min, long max) {
        String v = row.get(column);
        if (v == null || v.isBlank()) return fallback;
        try {
            long x = new BigDecimal(v.strip()).longValueExact();
            if (x < min || x > max) throw new ArithmeticException();
            return x;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CorruptFileException(csv + " row " + line + ": " + column + " is '" + v + "', not an integer"
                    + (min > Long.MIN_VALUE ? " ≥ " + min : ""));
        }
    }

    private static double real(Path csv, int line, Map<String, String> row, String column, double fallback) {
        String v = row.get(column);
        if (v == null || v.isBlank()) return fallback;
        try {
            double x = Double.parseDouble(v.strip());
            if (!Double.isFinite(x)) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new CorruptFileException(csv + " row " + line + ": " + column + " is '" + v + "', not a finite number");
        }
    }
}
