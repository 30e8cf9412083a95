package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.EraseResult;
import dev.erasekit.ExportReport;
import dev.erasekit.KeyStyle;
import dev.erasekit.PooledPath;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code erasekit erase MODEL --method uce|rece|surgical --concept TEXT ... -o EDIT.safetensors} */
@Command(name = "erase", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Erase concepts from a model's cross-attention in closed form and write an edit file (safetensors).")
final class EraseCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (optimum or CompVis onnx layout).")
    Path model;

    /** The methods, as the command line names them. */
    enum Method { UCE, RECE, SURGICAL }

    @Option(names = "--method", defaultValue = "uce", description = "uce, rece or surgical (default ${DEFAULT-VALUE}).")
    Method method;

    @Option(names = "--concept", paramLabel = "TEXT", description = "A concept to erase (repeatable).")
    List<String> concepts = new ArrayList<>();

    @Option(names = "--concepts-file", paramLabel = "FILE",
            description = "Concepts, one per line, or a CSV (concept column: --column; optional guide/anchor column).")
    Path conceptsFile;

    @Option(names = "--column", paramLabel = "NAME", description = "The CSV column holding the concepts.")
    String column;

    @Option(names = "--max-concepts", defaultValue = "0", description = "Use only the first N concepts of the file (0: all).")
    int maxConcepts;

    @Option(names = {"--guide", "--anchor"}, paramLabel = "TEXT",
            description = "What the concepts map to: one for all, or one per concept (default \" \"; RECE presets set their own).")
    List<String> guides = new ArrayList<>();

    @Option(names = "--preserve", paramLabel = "TEXT", description = "A prompt to keep (repeatable); \"\" is always kept.")
    List<String> preserves = new ArrayList<>();

    @Option(names = "--preserve-file", paramLabel = "FILE", description = "Preserve prompts, one per line.")
    Path preserveFile;

    @Option(names = "--lambda", description = "λ (default: uce 0.5, surgical 0.01; RECE: 0.5 then 0.1 per epoch).")
    Double lambda;

    @Option(names = "--erase-scale", defaultValue = "1.0", description = "s_e for UCE (default ${DEFAULT-VALUE}).")
    double eraseScale;

    @Option(names = "--preserve-scale", description = "s_p (UCE: max(0.1, 1/retained prompts)) or α (surgical: 0.1).")
    Double preserveScale;

    @Option(names = "--rows", defaultValue = "2023", paramLabel = "2023|2025",
            description = {"UCE's token rows: 2023 (default; the 2023 script's, which RECE builds on: every row from the concept's",
                    "last word token on, all 77 of each kept prompt) or 2025 (the 2025 rewrite's: one row per prompt)."})
    String rows;

    @Option(names = "--pooled", defaultValue = "keep", paramLabel = "keep|edit",
            description = {"SDXL's pooled text path (text_embeds → add_embedding), which no K/V edit reaches: keep (default, as the",
                    "published methods) or edit (the same closed form on its text-embeds columns; surgical holds \"\" exactly)."})
    String pooled;

    @Option(names = "--preset", description = "RECE reference settings: nudity, unsafe, artist, object.")
    Rece.Preset preset;

    @Option(names = "--epochs", description = "RECE epochs (default 3, or the preset's).")
    Integer epochs;

    @Option(names = "--reg", description = "RECE λ_r (default 0.1, or the preset's).")
    Double reg;

    @Option(names = "--derivation", defaultValue = "regzero", description = "RECE derivation: regzero or standardreg.")
    Rece.Derivation derivation;

    @Option(names = "--save-embeddings", description = "RECE: also write each epoch's derived embeddings to EDIT.embeddings.safetensors.")
    boolean saveEmbeddings;

    @Option(names = "--key-style", defaultValue = "diffusers",
            description = "Tensor names: diffusers (unet.load_state_dict) or compvis (A1111/ComfyUI) (default ${DEFAULT-VALUE}).")
    KeyStyle keyStyle;

    @Option(names = "--checkpoint", paramLabel = "CKPT",
            description = {"Erase on this SD v1.x checkpoint's K/V weights (single-file .safetensors or diffusers folder);",
                    "MODEL gives the ONNX text encoder, which must be the checkpoint's. Apply with apply --checkpoint."})
    Path checkpoint;

    @CommandLine.Mixin
    ExportMixin export = new ExportMixin();

    @CommandLine.Mixin
    EngineMixin engine = new EngineMixin();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "EDIT", description = "Edit file to write (.safetensors).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OptionChecks.atLeast("--max-concepts", maxConcepts, 0);
        OutputPaths.checkFile(output, checkpoint == null ? List.of(model) : List.of(model, checkpoint),
                Arrays.asList(conceptsFile, preserveFile, checkpoint));
        if (saveEmbeddings) OutputPaths.checkFile(embeddingsFile(), List.of(model), Arrays.asList(conceptsFile, preserveFile, output));
        List<String> all = new ArrayList<>(concepts), targets = new ArrayList<>(guides);
        if (conceptsFile != null) {
            ConceptList list = ConceptList.read(conceptsFile, column, maxConcepts);
            if (!all.isEmpty() && !list.guides().isEmpty()) {
                throw new InvalidInputException("give concepts either with --concept or in a file with its own guides, not both");
            }
            all.addAll(list.concepts());
            if (targets.isEmpty()) targets.addAll(list.guides());
        }
        if (all.isEmpty()) throw new InvalidInputException("no concept: give --concept TEXT or --concepts-file FILE");
        if (targets.isEmpty()) targets.add(preset != null ? preset.guide() : " ");
        List<String> keep = new ArrayList<>(preserves);
        if (preserveFile != null) keep.addAll(PromptFiles.lines(preserveFile));
        EraseMethod m = switch (method) {
            case UCE -> new Uce(lambda != null ? lambda : 0.5, eraseScale, preserveScale, uceRows());
            case RECE -> rece();
            case SURGICAL -> new Surgical(lambda != null ? lambda : Surgical.DEFAULTS.lambda(),
                    preserveScale != null ? preserveScale : Surgical.DEFAULTS.preserveScale(), Surgical.DEFAULTS.nullTolerance());
        };
        EraseRequest request = new EraseRequest(m, all, targets, keep, saveEmbeddings, switch (pooled) {
            case "keep" -> PooledPath.KEEP;
            case "edit" -> PooledPath.EDIT;
            default -> throw new InvalidInputException("--pooled must be keep or edit, got " + pooled);
        });
        try (Engine e = Engine.open(model, engine.options(spec).checkpoint(checkpoint).build())) {
            EraseResult o = e.erase(request);
            long t0 = System.nanoTime();
            ExportReport exported = null;
            if (export.format == null) o.edit().write(output, keyStyle);
            else exported = e.export(o.edit(), export.options(null), output);
            if (saveEmbeddings) writeEmbeddings(o);
            Map<String, Double> times = new LinkedHashMap<>(o.millis());
            times.put("write", (System.nanoTime() - t0) / 1e6);
            print(spec.commandLine().getOut(), e.backendName(), o, times, request, exported);
        }
        return 0;
    }

    private Uce.Rows uceRows() {
        return switch (rows) {
            case "2023" -> Uce.Rows.Y2023;
            case "2025" -> Uce.Rows.Y2025;
            default -> throw new InvalidInputException("--rows must be 2023 or 2025, got " + rows);
        };
    }

    private Rece rece() {
        Rece base = (preset != null ? preset : Rece.Preset.NUDITY).settings();
        Uce uceStage = lambda != null ? new Uce(lambda, 1.0, 1.0) : base.uceStage();
        return new Rece(epochs != null ? epochs : base.epochs(), reg != null ? reg : base.reg(), derivation, uceStage,
                base.epochStage(), base.epochRetain());
    }

    private Path embeddingsFile() {
        String name = output.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return output.resolveSibling(name + ".embeddings.safetensors");
    }

    private void writeEmbeddings(EraseResult o) {
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("what", "RECE adversarial embeddings c' per epoch and concept, [77, width] fp32 (from float64)");
        int width = o.edit().width(), conceptCount = o.edit().concepts().size();
        for (int k = 0; k < o.derived().size(); k++) {
            double[] v = o.derived().get(k);
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            String name = "epoch" + (k / conceptCount) + ".concept" + (k % conceptCount);
            meta.put(name, o.edit().concepts().get(k % conceptCount));
            tensors.add(new SafeTensors.Tensor(name, DType.FP32, new long[] {v.length / width, width}, f));
        }
        SafeTensors.write(embeddingsFile(), meta, tensors);
    }

    @SuppressWarnings("unchecked")
    private void print(PrintWriter out, String backend, EraseResult o, Map<String, Double> times, EraseRequest r, ExportReport exported) {
        Edit edit = o.edit();
        List<String> all = edit.concepts(), targets = r.targets();
        String what = all.size() <= 3 ? quote(all) : all.size() + " concepts (" + quote(all.subList(0, 2)) + ", …)";
        String to = targets.size() <= 3 ? quote(targets) : targets.size() + " targets";
        out.printf("erased %s → %s with %s on %s%n", what, to, describe(edit), backend);
        out.printf("  %d erase rows, %d preserve rows, %d layers edited (one shared %d×%d factor)%n", o.eraseRows(),
                o.preserveRows(), edit.layerNames().size(), edit.width(), edit.width());
        out.printf("  erase residual       %.4g   ‖W'C_e − W C_target‖ / ‖W C_e − W C_target‖ (0: fully moved)%n",
                edit.metrics().get("erase_residual"));
        out.printf("  unconditional drift  %.3g   max over the \"\" prompt's 77 rows of ‖ΔW c‖/‖W c‖, all layers%n",
                edit.metrics().get("unconditional_drift"));
        if (edit.metrics().containsKey("pooled_residual")) {
            out.printf("  pooled residual      %.4g   ‖W₁(M_p e − t)‖ / ‖W₁(e − t)‖ at add_embedding.linear_1 (%s)%n",
                    edit.metrics().get("pooled_residual"), edit.pooledFactor().isPresent() ? "edited: --pooled edit"
                            : "1: the pooled path still carries the concept; --pooled edit maps it too");
        }
        out.println();
        out.printf("  %-66s %10s%n", "layer", "‖ΔW‖/‖W‖");
        Map<String, Object> change = (Map<String, Object>) edit.solveInfo().get("layer_change");
        for (String name : edit.layerNames()) out.printf("  %-66s %10.4f%n", name, ((Number) change.get(name)).doubleValue());
        StringBuilder t = new StringBuilder();
        for (Map.Entry<String, Double> e : times.entrySet()) {
            t.append(t.isEmpty() ? "" : ", ").append(e.getKey()).append(String.format(" %.1f ms", e.getValue()));
        }
        out.printf("%n  time: %s (%d prompts encoded, the rest from the cache)%n", t, o.encoded());
        if (exported == null) {
            out.printf("wrote %s (%s keys, base fingerprint %s)%n", output, keyStyle.name().toLowerCase(), edit.baseFingerprint());
        } else {
            ExportMixin.print(out, exported);
        }
        if (saveEmbeddings) out.printf("wrote %s (%d derived embeddings)%n", embeddingsFile(), o.derived().size());
        out.flush();
    }

    private static String describe(Edit e) {
        return switch (e.method().orElseThrow()) {
            case Uce u -> String.format("UCE (λ %s, s_e %s, s_p %s)", u.lambda(), u.eraseScale(), e.solveInfo().get("preserve_scale"));
            case Rece r -> String.format("RECE (UCE stage then %d epoch(s), λ_r %s, %s)", r.epochs(), r.reg(),
                    r.derivation().name().toLowerCase());
            case Surgical s -> String.format("the surgical anchor erase (λ %s, α %s, \"\" held exactly: %s free dimensions)",
                    s.lambda(), s.preserveScale(), e.solveInfo().get("free_dimensions"));
        };
    }

    private static String quote(List<String> s) {
        return String.join(", ", s.stream().map(x -> "\"" + x + "\"").toList());
    }
}
