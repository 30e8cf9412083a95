package dev.erasekit.cli;

import dev.erasekit.InvalidInputException;
import dev.erasekit.edit.EditFile;
import dev.erasekit.edit.Eraser;
import dev.erasekit.edit.ReceSettings;
import dev.erasekit.edit.SurgicalSettings;
import dev.erasekit.edit.UceSettings;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.linalg.DType;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LayerWeights;
import dev.erasekit.linalg.StageTimes;
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

    @Option(names = "--method", defaultValue = "uce", description = "uce, rece or surgical (default ${DEFAULT-VALUE}).")
    Eraser.Method method;

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

    @Option(names = "--preset", description = "RECE reference settings: nudity, unsafe, artist, object.")
    ReceSettings.Preset preset;

    @Option(names = "--epochs", description = "RECE epochs (default 3, or the preset's).")
    Integer epochs;

    @Option(names = "--reg", description = "RECE λ_r (default 0.1, or the preset's).")
    Double reg;

    @Option(names = "--derivation", defaultValue = "regzero", description = "RECE derivation: regzero or standardreg.")
    ReceSettings.Derivation derivation;

    @Option(names = "--save-embeddings", description = "RECE: also write each epoch's derived embeddings to EDIT.embeddings.safetensors.")
    boolean saveEmbeddings;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, openblas or java (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--key-style", defaultValue = "diffusers",
            description = "Tensor names: diffusers (unet.load_state_dict) or compvis (A1111/ComfyUI) (default ${DEFAULT-VALUE}).")
    EditFile.KeyStyle keyStyle;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "EDIT", description = "Edit file to write (.safetensors).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OptionChecks.atLeast("--max-concepts", maxConcepts, 0);
        OutputPaths.checkFile(output, List.of(model), Arrays.asList(conceptsFile, preserveFile));
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
        if (targets.isEmpty()) targets.add(preset != null ? preset.guide : " ");
        List<String> keep = new ArrayList<>(preserves);
        if (preserveFile != null) keep.addAll(PromptFiles.lines(preserveFile));
        Eraser.Request request = switch (method) {
            case UCE -> Eraser.Request.uce(all, targets, keep, new UceSettings(lambda != null ? lambda : 0.5, eraseScale, preserveScale));
            case RECE -> Eraser.Request.rece(all, targets, keep, rece());
            case SURGICAL -> Eraser.Request.surgical(all, targets, keep, new SurgicalSettings(
                    lambda != null ? lambda : SurgicalSettings.DEFAULTS.lambda(),
                    preserveScale != null ? preserveScale : SurgicalSettings.DEFAULTS.preserveScale(),
                    SurgicalSettings.DEFAULTS.nullTolerance()));
        };
        try (Eraser eraser = Eraser.open(model, backend, cache.root(), CliWarnings.of(spec))) {
            Eraser.Outcome o = eraser.erase(request);
            StageTimes times = o.times();
            times.time("write", () -> {
                EditFile.write(output, o.edit(), keyStyle, eraser.model().layers(), ErasekitCommand.Version.get());
                if (saveEmbeddings) writeEmbeddings(o, o.edit().concepts().size());
            });
            print(spec.commandLine().getOut(), eraser, o, times, o.edit().concepts(), request.guides());
        }
        return 0;
    }

    private ReceSettings rece() {
        ReceSettings base = (preset != null ? preset : ReceSettings.Preset.NUDITY).settings();
        UceSettings uceStage = lambda != null ? new UceSettings(lambda, 1.0, 1.0) : base.uceStage();
        return new ReceSettings(epochs != null ? epochs : base.epochs(), reg != null ? reg : base.reg(), derivation, uceStage,
                base.epochStage(), base.epochRetain());
    }

    private Path embeddingsFile() {
        String name = output.getFileName().toString().replaceFirst("\\.safetensors$", "");
        return output.resolveSibling(name + ".embeddings.safetensors");
    }

    private void writeEmbeddings(Eraser.Outcome o, int conceptCount) {
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("what", "RECE adversarial embeddings c' per epoch and concept, [77, width] fp32 (from float64)");
        int width = o.edit().width();
        for (int k = 0; k < o.derivedEmbeddings().size(); k++) {
            double[] v = o.derivedEmbeddings().get(k);
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            String name = "epoch" + (k / conceptCount) + ".concept" + (k % conceptCount);
            meta.put(name, o.edit().concepts().get(k % conceptCount));
            tensors.add(new SafeTensors.Tensor(name, DType.FP32, new long[] {v.length / width, width}, f));
        }
        SafeTensors.write(embeddingsFile(), meta, tensors);
    }

    private void print(PrintWriter out, Eraser eraser, Eraser.Outcome o, StageTimes times, List<String> all, List<String> targets) {
        var p = o.edit().parameters();
        String what = all.size() <= 3 ? quote(all) : all.size() + " concepts (" + quote(all.subList(0, 2)) + ", …)";
        String to = targets.size() <= 3 ? quote(targets) : targets.size() + " targets";
        out.printf("erased %s → %s with %s on %s%n", what, to, describe(o), eraser.backend().name());
        out.printf("  %d erase rows, %d preserve rows, %d layers edited (one shared %d×%d factor)%n", o.eraseRows(),
                o.preserveRows(), o.edit().layers().size(), o.edit().width(), o.edit().width());
        out.printf("  erase residual       %.4g   ‖W'C_e − W C_target‖ / ‖W C_e − W C_target‖ (0: fully moved)%n",
                o.metrics().get("erase_residual"));
        out.printf("  unconditional drift  %.3g   max ‖ΔW c‖/‖W c‖ over the \"\" prompt's 77 rows and all layers%n%n",
                o.metrics().get("unconditional_drift"));
        out.printf("  %-66s %10s%n", "layer", "‖ΔW‖/‖W‖");
        for (int i = 0; i < o.edit().layers().size(); i++) {
            LayerWeights before = eraser.weights().get(i), after = o.edit().layers().get(i);
            out.printf("  %-66s %10.4f%n", after.name(), Dense.relativeError(after.w().data(), before.w().data()));
        }
        StringBuilder t = new StringBuilder();
        for (Map.Entry<String, Double> e : times.millis().entrySet()) {
            t.append(t.isEmpty() ? "" : ", ").append(e.getKey()).append(String.format(" %.1f ms", e.getValue()));
        }
        out.printf("%n  time: %s (%d prompts encoded, the rest from the cache)%n", t, eraser.embedder().encodedCount());
        out.printf("wrote %s (%s keys, base fingerprint %s)%n", output, keyStyle.name().toLowerCase(), o.edit().baseFingerprint());
        if (saveEmbeddings) out.printf("wrote %s (%d derived embeddings)%n", embeddingsFile(), o.derivedEmbeddings().size());
        out.flush();
    }

    private static String describe(Eraser.Outcome o) {
        var p = o.edit().parameters();
        return switch (o.edit().method()) {
            case "uce" -> String.format("UCE (λ %s, s_e %s, s_p %s)", p.get("lambda"), p.get("erase_scale"), p.get("preserve_scale"));
            case "rece" -> String.format("RECE (UCE stage then %s epoch(s), λ_r %s, %s)", p.get("epochs"), p.get("reg"), p.get("derivation"));
            case "surgical" -> String.format("the surgical anchor erase (λ %s, α %s, \"\" held exactly: %s free dimensions)",
                    p.get("lambda"), p.get("preserve_scale"), p.get("free_dimensions"));
            default -> o.edit().method();
        };
    }

    private static String quote(List<String> s) {
        return String.join(", ", s.stream().map(x -> "\"" + x + "\"").toList());
    }
}
