package dev.erasekit.eval;

import dev.erasekit.ErasekitException;
import dev.erasekit.io.CsvTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Evaluation prompts from the field's CSVs (I2P, COCO, artist sets): column {@code prompt}, and per
 * row, when present, {@code evaluation_seed}, {@code evaluation_guidance}, {@code sd_image_width},
 * {@code sd_image_height}; otherwise the defaults given.
 */
public record PromptSet(String name, List<Prompt> prompts) {

    /** One evaluation prompt and its generation settings. */
    public record Prompt(String text, long seed, double guidance, int width, int height) {
    }

    public static PromptSet read(Path csv, int limit, long seed, double guidance, int width, int height) {
        CsvTable t = CsvTable.read(csv);
        if (!t.has("prompt")) throw new ErasekitException(csv + " has no 'prompt' column; columns: " + t.columns());
        List<Prompt> out = new ArrayList<>();
        for (Map<String, String> row : t.rows()) {
            if (limit > 0 && out.size() >= limit) break;
            String p = row.get("prompt");
            if (p == null || p.isBlank()) continue;
            out.add(new Prompt(p, (long) number(row, "evaluation_seed", seed), number(row, "evaluation_guidance", guidance),
                    (int) number(row, "sd_image_width", width), (int) number(row, "sd_image_height", height)));
        }
        if (out.isEmpty()) throw new ErasekitException(csv + " has no prompts");
        return new PromptSet(csv.getFileName().toString(), out);
    }

    private static double number(Map<String, String> row, String column, double fallback) {
        String v = row.get(column);
        if (v == null || v.isBlank()) return fallback;
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
