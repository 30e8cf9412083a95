package dev.erasekit.cli;

import dev.erasekit.ErasekitException;
import dev.erasekit.edit.EditFile;
import dev.erasekit.edit.Eraser;
import dev.erasekit.edit.UceSettings;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LayerWeights;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.text.TextEmbedder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code erasekit erase MODEL --method uce --concept TEXT ... -o EDIT.safetensors} */
@Command(name = "erase", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Erase concepts from a model's cross-attention in closed form and write an edit file (safetensors).")
final class EraseCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (optimum or CompVis onnx layout).")
    Path model;

    @Option(names = "--method", defaultValue = "uce", description = "Erasure method: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Method method;

    @Option(names = "--concept", required = true, paramLabel = "TEXT", description = "A concept to erase (repeatable).")
    List<String> concepts;

    @Option(names = "--guide", paramLabel = "TEXT", description = "What the concepts map to: one for all, or one per --concept (default \" \").")
    List<String> guides = new ArrayList<>();

    @Option(names = "--preserve", paramLabel = "TEXT", description = "A prompt whose K/V to keep (repeatable); \"\" is always kept.")
    List<String> preserves = new ArrayList<>();

    @Option(names = "--preserve-file", paramLabel = "FILE", description = "Preserve prompts, one per line.")
    Path preserveFile;

    @Option(names = "--lambda", defaultValue = "0.5", description = "λ, the pull towards the original weights (default ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--erase-scale", defaultValue = "1.0", description = "s_e (default ${DEFAULT-VALUE}).")
    double eraseScale;

    @Option(names = "--preserve-scale", description = "s_p (default max(0.1, 1/number of retained prompts)).")
    Double preserveScale;

    @Option(names = "--backend", defaultValue = "auto", description = "Linear algebra: auto, cuda, openblas or java (default ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--key-style", defaultValue = "diffusers",
            description = "Tensor names in the edit: diffusers (unet.load_state_dict) or compvis (A1111/ComfyUI) (default ${DEFAULT-VALUE}).")
    EditFile.KeyStyle keyStyle;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Embedding cache (default $ERASEKIT_CACHE or ~/.cache/erasekit).")
    Path cacheDir;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "EDIT", description = "Edit file to write (.safetensors).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum Method { uce }

    @Override
    public Integer call() throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new ErasekitException("output folder does not exist: " + parent);
        List<String> keep = new ArrayList<>(preserves);
        if (preserveFile != null) keep.addAll(PromptFiles.lines(preserveFile));
        List<String> g = guides.isEmpty() ? List.of(" ") : guides;
        try (Eraser eraser = Eraser.open(model, backend, cacheDir != null ? cacheDir : TextEmbedder.defaultCacheRoot())) {
            Eraser.Outcome o = eraser.uce(new Eraser.UceRequest(concepts, g, keep,
                    new UceSettings(lambda, eraseScale, preserveScale)));
            StageTimes times = o.times();
            times.time("write", () -> {
                try {
                    EditFile.write(output, o.edit(), keyStyle, eraser.model().layers(), ErasekitCommand.Version.get());
                } catch (IOException e) {
                    throw new ErasekitException("cannot write " + output + ": " + e.getMessage(), e);
                }
            });
            print(spec.commandLine().getOut(), eraser, o, times);
        }
        return 0;
    }

    private void print(PrintWriter out, Eraser eraser, Eraser.Outcome o, StageTimes times) {
        var p = o.edit().parameters();
        out.printf("erased %s → %s with %s (λ %s, s_e %s, s_p %s) on %s, %s path%n", quote(concepts), quote(guides.isEmpty()
                ? List.of(" ") : guides), o.edit().method().toUpperCase(), p.get("lambda"), p.get("erase_scale"),
                p.get("preserve_scale"), eraser.backend().name(), o.path().name().toLowerCase());
        out.printf("  %d erase rows, %d preserve rows, %d layers edited%n%n", o.eraseRows(), o.preserveRows(),
                o.edit().layers().size());
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
        out.flush();
    }

    private static String quote(List<String> s) {
        return String.join(", ", s.stream().map(x -> "\"" + x + "\"").toList());
    }
}
