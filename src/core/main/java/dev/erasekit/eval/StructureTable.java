package dev.erasekit.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The structure part of a validation's summary: per variant and prompt set, against the base image of
 * the same prompt and seed, the mean foreground-mask IoU and the share of images whose classifier label
 * (per output: e.g. the shape when a colour is erased) is the base image's, each share with its count and
 * 95 % Wilson interval; overall and per caption. Stateless; thread-safe.
 */
final class StructureTable {
    private StructureTable() {
    }

    /** Adds {@code "structure"} to a variant's summary when its images were compared with the base's. */
    static void summarize(Map<String, Object> variantSummary, List<Validation.Image> images, String variant) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String set : List.of("erase", "preserve")) {
            List<Validation.Image> mine = images.stream()
                    .filter(i -> i.variant().equals(variant) && i.set().equals(set) && i.maskIou() != null).toList();
            if (mine.isEmpty()) continue;
            Map<String, Object> s = stats(mine);
            Map<String, Object> perCaption = new LinkedHashMap<>();
            for (String caption : mine.stream().map(Validation.Image::text).distinct().toList()) {
                perCaption.put(caption, stats(mine.stream().filter(i -> i.text().equals(caption)).toList()));
            }
            s.put("per_caption", perCaption);
            out.put(set, s);
        }
        if (!out.isEmpty()) variantSummary.put("structure", out);
    }

    private static Map<String, Object> stats(List<Validation.Image> images) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("images", images.size());
        s.put("mask_iou", images.stream().mapToDouble(Validation.Image::maskIou).average().orElse(0));
        Map<String, Object> same = new LinkedHashMap<>();
        for (String output : images.getFirst().sameAsBase().keySet()) {
            int k = (int) images.stream().filter(i -> Boolean.TRUE.equals(i.sameAsBase().get(output))).count();
            same.put(output, rate(k, images.size()));
        }
        s.put("same_label_as_base", same);
        return s;
    }

    /** {rate, n, wilson_95: [low, high]} for k of n. */
    static Map<String, Object> rate(int k, int n) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rate", n == 0 ? 0 : (double) k / n);
        r.put("n", n);
        double[] w = Wilson.interval(k, n);
        r.put("wilson_95", List.of(w[0], w[1]));
        return r;
    }

    /** The summary table's structure headers (erase prompts). */
    static String headers(Map<String, List<String>> labels) {
        StringBuilder h = new StringBuilder("<th>erase prompts: mask IoU with base</th>");
        for (String output : labels.keySet()) h.append("<th>erase prompts: same ").append(Report.esc(output)).append(" as base</th>");
        return h.toString();
    }

    /** One variant's structure cells ("–" for the base). */
    @SuppressWarnings("unchecked")
    static String cells(Map<String, Object> v, Map<String, List<String>> labels) {
        Map<String, Object> s = v.get("structure") instanceof Map<?, ?> m ? (Map<String, Object>) m.get("erase") : null;
        List<String> cells = new ArrayList<>();
        cells.add(s == null ? "–" : String.format(Locale.ROOT, "%.2f", (Double) s.get("mask_iou")));
        for (String output : labels.keySet()) {
            Map<String, Object> r = s == null ? null : (Map<String, Object>) ((Map<String, Object>) s.get("same_label_as_base")).get(output);
            cells.add(r == null ? "–" : percent(r));
        }
        StringBuilder h = new StringBuilder();
        for (String c : cells) h.append("<td>").append(c).append("</td>");
        return h.toString();
    }

    /** "83 % [74, 90] n=24". */
    @SuppressWarnings("unchecked")
    static String percent(Map<String, Object> r) {
        List<Double> w = (List<Double>) r.get("wilson_95");
        return String.format(Locale.ROOT, "%.0f %% <small>[%.0f, %.0f] n=%d</small>", 100 * (Double) r.get("rate"), 100 * w.get(0),
                100 * w.get(1), (Integer) r.get("n"));
    }
}
