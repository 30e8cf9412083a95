package dev.erasekit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.export.DeltaFile;
import dev.erasekit.export.LowRankDelta;
import dev.erasekit.io.BuildInfo;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.tensor.LayerWeights;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Writes an edit in another tool's format: the full-weight formats are the edit file under either key
 * style; the delta formats carry {@link LowRankDelta}'s exact factors of ΔW (or their first N components)
 * through {@link DeltaFile}. Stateless; thread-safe.
 */
final class Exporter {
    private Exporter() {
    }

    /**
     * @param base W of the edit's layers (exact factors from W·(M − I)), or null to recover them from W'
     * @param eraseRows the concepts' embedding rows (n×d), or null: no K/V error reported
     * @param preserveRows the rows of "" and the preserves, or null
     */
    static ExportReport export(Edit edit, List<LayerWeights> base, ExportOptions o, Path out, LinalgBackend backend, float[] eraseRows,
                               float[] preserveRows) {
        ExportFormat f = o.format();
        if (edit.mapsPooledPath()) { // its tensors and deltas are the K/V's: a loader would drop the pooled map silently
            throw new InvalidInputException("this edit also maps SDXL's pooled text path (--pooled edit), which the " + f.cliName()
                    + " format cannot carry here: apply it to an ONNX model (apply writes add_embedding.linear_1 too), or export an"
                    + " edit made with --pooled keep");
        }
        if (!f.delta()) {
            edit.write(out, f == ExportFormat.COMPVIS ? KeyStyle.COMPVIS : KeyStyle.DIFFUSERS);
            return new ExportReport(out, f, 0, 0, 0, OptionalDouble.empty(), OptionalDouble.empty());
        }
        double[] m = edit.factorOrNull();
        if (m == null) {
            throw new InvalidInputException("this edit has no shared factor (its weights were made elsewhere): export it as diffusers"
                    + " or compvis");
        }
        int d = edit.width();
        List<LowRankDelta.Layer> layers = base == null ? LowRankDelta.fromEdited(m, d, edit.layers(), backend)
                : LowRankDelta.fromBase(m, d, inEditOrder(edit, base), backend);
        int exact = layers.getFirst().rank(), n = o.rank() == 0 ? exact : Math.min(o.rank(), exact);
        if (exact == 0) throw new InvalidInputException("this edit changes nothing (M = I): there is no LoRA to write");
        double deltaError = 0;
        for (LowRankDelta.Layer l : layers) deltaError = Math.max(deltaError, l.truncationError(n));
        OptionalDouble e = rows(layers, edit.layers(), n, eraseRows, d, backend), p = rows(layers, edit.layers(), n, preserveRows, d, backend);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("erasekit_version", BuildInfo.version());
        meta.put("base_fingerprint", edit.baseFingerprint());
        meta.put("method", edit.methodName());
        meta.put("concepts", EditFile.json(edit.concepts()));
        meta.put("preserves", EditFile.json(edit.preserves()));
        meta.put("rank", Integer.toString(n));
        meta.put("exact_rank", Integer.toString(exact));
        meta.put("rank_tolerance", LowRankDelta.RANK_TOLERANCE + " (rows of M − I, relative to the largest)");
        meta.put("delta_error", Double.toString(deltaError));
        DeltaFile.Layout layout = switch (f) {
            case LORA -> DeltaFile.Layout.LORA;
            case LORA_COMPVIS -> DeltaFile.Layout.LORA_COMPVIS;
            case PEFT -> DeltaFile.Layout.PEFT;
            case DIFF -> DeltaFile.Layout.DIFF;
            case DIFFUSERS, COMPVIS -> throw new IllegalStateException(f.name());
        };
        DeltaFile.write(out, layout, layers, n, edit.compvisNames(), meta, o.padAttention());
        return new ExportReport(out, f, n, exact, deltaError, e, p);
    }

    private static List<LayerWeights> inEditOrder(Edit edit, List<LayerWeights> base) {
        Map<String, LayerWeights> byName = new HashMap<>();
        for (LayerWeights w : base) byName.put(w.name(), w);
        return edit.layerNames().stream().map(n -> {
            LayerWeights w = byName.get(n);
            if (w == null) throw new InvalidInputException("the edit changes " + n + ", which the base model does not have");
            return w;
        }).toList();
    }

    private static OptionalDouble rows(List<LowRankDelta.Layer> layers, List<LayerWeights> edited, int n, float[] x, int d,
                                       LinalgBackend backend) {
        return x == null ? OptionalDouble.empty() : OptionalDouble.of(LowRankDelta.rowError(layers, edited, n, x, x.length / d, backend));
    }
}
