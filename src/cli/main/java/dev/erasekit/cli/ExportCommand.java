package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.ExportOptions;
import dev.erasekit.ExportReport;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.OutputPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code erasekit export EDIT --format lora|lora-compvis|peft|diff|diffusers|compvis [--rank N] [--model MODEL] -o OUT} */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write an edit in another tool's format: LoRA (kohya or PEFT), full-rank diff, or the edited weights",
                "under diffusers or CompVis keys. The LoRA factors are exact (rank = the numerical rank of ΔW, alpha = rank)."})
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EDIT", description = "Edit file from 'erasekit erase'.")
    Path editFile;

    @CommandLine.Mixin
    ExportMixin export = new ExportMixin();

    @Option(names = "--model", paramLabel = "MODEL",
            description = "The edit's base model: factors from its weights, and the K/V errors a --rank makes (needed with --rank).")
    Path model;

    @CommandLine.Mixin
    EngineMixin engine = new EngineMixin();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "File to write (.safetensors).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (export.format == null) throw new InvalidInputException("give --format: diffusers, compvis, lora, lora-compvis, peft or diff");
        ExportOptions options = export.options(null);
        if (options.rank() > 0 && model == null) {
            throw new InvalidInputException("--rank needs --model MODEL, the edit's base: the K/V errors it prints come from encoding"
                    + " the edit's prompts");
        }
        List<Path> models = new ArrayList<>();
        if (model != null) models.add(model);
        OutputPaths.checkFile(output, models, List.of(editFile));
        Edit edit = Edit.read(editFile);
        ExportReport r;
        if (model == null) {
            r = edit.export(output, options);
        } else {
            try (Engine e = engine.open(model, spec)) {
                r = e.export(edit, options, output);
            }
        }
        ExportMixin.print(spec.commandLine().getOut(), r);
        return 0;
    }
}
