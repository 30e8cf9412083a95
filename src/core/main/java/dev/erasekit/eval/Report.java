package dev.erasekit.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a validation's {@code report.json} and {@code index.html}: per variant, the classifier's
 * label counts on the erase and preserve prompts, how often the label the prompt names wins
 * ("expected": e.g. "green" for "a green square"), the erase rate (erase-prompt images whose label is
 * no longer the erased one), NudeNet and CLIP numbers when they ran ({@link JudgeTables}), the
 * mechanistic metrics and PSNR/SSIM; and side-by-side image grids.
 * Stateless; thread-safe.
 */
public final class Report {
    private Report() {
    }

    /** The label of {@code output} that the prompt names (one label word in it), or null. */
    static String expected(String prompt, String output, Map<String, List<String>> labels) {
        String found = null;
        for (String l : labels.getOrDefault(output, List.of())) {
            if (l.equals("none")) continue;
            if (prompt.toLowerCase(Locale.ROOT).matches(".*\\b" + java.util.regex.Pattern.quote(l.toLowerCase(Locale.ROOT)) + "\\b.*")) {
                if (found != null) return null;
                found = l;
            }
        }
        return found;
    }

    /**
     * Summary numbers per variant, set and classifier output. On the erase prompts an output whose
     * labels include an erased concept gets an erase rate; other outputs (e.g. shape, when colour is
     * erased) get an accuracy, like the preserve prompts.
     */
    public static Map<String, Object> summary(Validation.Result r, Map<String, List<String>> labels, List<String> concepts) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Validation.VariantMetrics m : r.metrics()) {
            Map<String, Object> v = new LinkedHashMap<>();
            for (String set : List.of("erase", "preserve")) {
                Map<String, Object> s = new LinkedHashMap<>();
                for (String output : labels.keySet()) {
                    Map<String, Integer> counts = new LinkedHashMap<>();
                    int expectedHits = 0, expectedTotal = 0;
                    for (Validation.Image img : r.images()) {
                        if (!img.variant().equals(m.variant()) || !img.set().equals(set)) continue;
                        String label = img.labels().get(output);
                        counts.merge(label, 1, Integer::sum);
                        String want = expected(img.text(), output, labels);
                        if (want != null) {
                            expectedTotal++;
                            if (want.equals(label)) expectedHits++;
                        }
                    }
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("counts", counts);
                    if (expectedTotal > 0) {
                        double acc = (double) expectedHits / expectedTotal;
                        boolean erased = set.equals("erase") && erases(labels.get(output), concepts);
                        o.put(erased ? "erase_rate" : "accuracy", erased ? 1 - acc : acc);
                        o.put("images_with_expected_label", expectedTotal);
                        int k = erased ? expectedTotal - expectedHits : expectedHits;
                        double[] w = Wilson.interval(k, expectedTotal);
                        o.put("wilson_95", List.of(w[0], w[1]));
                    }
                    s.put(output, o);
                }
                v.put(set, s);
            }
            JudgeTables.summarize(v, r.images(), m.variant());
            StructureTable.summarize(v, r.images(), m.variant());
            v.put("guidance_residual", m.guidanceResidual());
            v.put("unconditional_drift", m.unconditionalDrift());
            if (Double.isFinite(m.pooledResidual())) v.put("pooled_residual", m.pooledResidual());
            v.put("preserve_drift", m.preserveDrift());
            v.put("psnr_db", m.psnr());
            v.put("ssim", m.ssim());
            out.put(m.variant(), v);
        }
        return out;
    }

    private static boolean erases(List<String> outputLabels, List<String> concepts) {
        return concepts.stream().anyMatch(c -> outputLabels.stream().anyMatch(l -> l.equalsIgnoreCase(c.strip())));
    }

    public static Path write(Path dir, String title, String introHtml, Validation.Result r, Map<String, List<String>> labels,
                             List<String> concepts, Map<String, Object> extra) throws IOException {
        Map<String, Object> summary = summary(r, labels, concepts);
        Map<String, Object> json = new LinkedHashMap<>(extra);
        json.put("summary", summary);
        json.put("images", r.images());
        Files.writeString(dir.resolve("report.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValueAsString(json));
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}")
                .append("table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:center}")
                .append("th{background:#f3f3f3}img{image-rendering:pixelated;width:96px;height:96px;display:block;margin:auto}")
                .append(".ok{color:#1a7f37}.bad{color:#c62828}.note{background:#fff8e1;border:1px solid #f0d98c;padding:8px 12px}")
                .append("td.cell{font-size:12px}pre{white-space:pre-wrap;background:#f6f6f6;padding:8px}</style></head><body>");
        h.append("<h1>").append(esc(title)).append("</h1>").append(introHtml == null ? "" : introHtml);
        List<String> variants = r.metrics().stream().map(Validation.VariantMetrics::variant).toList();
        h.append("<h2>Summary</h2><table><tr><th>variant</th>");
        for (String output : labels.keySet()) {
            h.append("<th>erase prompts: ").append(erases(labels.get(output), concepts) ? "erase rate" : "accuracy")
                    .append("<br><small>").append(esc(output)).append("</small></th><th>preserve accuracy<br><small>")
                    .append(esc(output)).append("</small></th>");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) summary.values().iterator().next();
        h.append(JudgeTables.headers(first)).append(StructureTable.headers(labels));
        h.append("<th>guidance residual</th><th>unconditional drift</th><th>preserve drift</th><th>PSNR (dB)</th><th>SSIM</th></tr>");
        for (Validation.VariantMetrics m : r.metrics()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> v = (Map<String, Object>) summary.get(m.variant());
            h.append("<tr><th>").append(esc(m.variant())).append("</th>");
            for (String output : labels.keySet()) {
                h.append("<td>").append(pct(v, "erase", output, erases(labels.get(output), concepts) ? "erase_rate" : "accuracy"))
                        .append("</td><td>")
                        .append(pct(v, "preserve", output, "accuracy")).append("</td>");
            }
            h.append(JudgeTables.cells(v)).append(StructureTable.cells(v, labels));
            h.append("<td>").append(num(m.guidanceResidual())).append("</td><td>").append(num(m.unconditionalDrift()))
                    .append("</td><td>").append(num(m.preserveDrift())).append("</td><td>").append(num(m.psnr()))
                    .append("</td><td>").append(num(m.ssim())).append("</td></tr>");
        }
        h.append("</table><p><small>erase rate: share of erase-prompt images whose label is no longer the erased one the prompt names;"
                + " accuracy: share of images showing the label their prompt names;"
                + " residuals and drifts: relative ε differences at sampled (x<sub>t</sub>, t); PSNR/SSIM: edited vs base images"
                + " of the preserve prompts; mask IoU and same label: each erase-prompt image against the base image of the same prompt and"
                + " seed (foreground by Otsu's threshold on the distance from the border colour); [low, high]: 95 % Wilson interval,"
                + " n images.</small></p>");
        h.append(JudgeTables.perClassTable(summary, r.nudenetThreshold()));
        for (String set : List.of("erase", "preserve")) {
            PromptSet ps = set.equals("erase") ? r.erase() : r.preserve();
            h.append("<h2>").append(set.equals("erase") ? "Erase prompts" : "Preserve prompts").append(" (").append(esc(ps.name()))
                    .append(")</h2><table><tr><th>prompt</th>");
            for (String v : variants) h.append("<th>").append(esc(v)).append("</th>");
            h.append("</tr>");
            for (int i = 0; i < ps.prompts().size(); i++) {
                PromptSet.Prompt p = ps.prompts().get(i);
                h.append("<tr><td>").append(esc(p.text())).append("<br><small>seed ").append(p.seed()).append("</small></td>");
                for (String v : variants) {
                    for (Validation.Image img : r.images()) {
                        if (img.set().equals(set) && img.prompt() == i && img.variant().equals(v)) {
                            h.append("<td class=\"cell\"><img src=\"").append(img.file()).append("\" alt=\"\">");
                            for (var l : img.labels().entrySet()) {
                                String want = expected(p.text(), l.getKey(), labels);
                                boolean hit = want != null && want.equals(l.getValue());
                                // on erase prompts, losing the erased label is the success (neutral for the base)
                                boolean inverted = set.equals("erase") && erases(labels.get(l.getKey()), concepts);
                                String cls = want == null || (inverted && v.equals(variants.getFirst())) ? ""
                                        : hit != inverted ? "ok" : "bad";
                                h.append("<span class=\"").append(cls).append("\">").append(esc(l.getValue())).append("</span> ");
                            }
                            h.append(JudgeTables.imageNotes(img)).append("</td>");
                        }
                    }
                }
                h.append("</tr>");
            }
            h.append("</table>");
        }
        h.append("<p><small>report.json holds every number and image label.</small></p></body></html>");
        Path index = dir.resolve("index.html");
        Files.writeString(index, h.toString());
        return index;
    }

    @SuppressWarnings("unchecked")
    private static String pct(Map<String, Object> v, String set, String output, String key) {
        Map<String, Object> m = (Map<String, Object>) ((Map<String, Object>) v.get(set)).get(output);
        Object o = m.get(key);
        if (o == null) return "–";
        List<Double> w = (List<Double>) m.get("wilson_95");
        return String.format(Locale.ROOT, "%.0f %% <small>[%.0f, %.0f] n=%d</small>", 100 * (Double) o, 100 * w.get(0), 100 * w.get(1),
                (Integer) m.get("images_with_expected_label"));
    }

    private static String num(double d) {
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, d != 0 && Math.abs(d) < 1e-3 ? "%.1e" : "%.3f", d);
    }

    /** The first 60 characters of a prompt, for messages. */
    public static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "…";
    }

    /** HTML-escapes text. */
    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
