package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.model.EditedModelWriter;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code erasekit apply MODEL EDIT -o OUT_DIR}: an edited model folder that ONNX Runtime opens like the original. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Write an edited copy of MODEL: unet/model.onnx gets the edited K/V weights; every other file,",
                "the UNet's external weight data included, is hard-linked to the base (nothing large is copied).",
                "Refuses an edit made for a different base model."})
final class ApplyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Base model folder.")
    Path model;

    @Parameters(index = "1", paramLabel = "EDIT", description = "Edit file from 'erasekit erase'.")
    Path editFile;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT_DIR", description = "Folder to create.")
    Path output;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        StableDiffusionModel base = StableDiffusionModel.open(model);
        EditedModelWriter.checkOutput(base, output, editFile);
        Edit edit = Edit.read(editFile);
        base.fingerprint(cache.root()); // remembered by the UNet files' identity: no weights read to check the edit's base
        EditedModelWriter.Report r = EditedModelWriter.write(base, edit.overrides(), output);
        spec.commandLine().getOut().printf("wrote %s: %s edit of %s, %d K/V layers in unet/model.onnx; other files: %d hard-linked,"
                        + " %d symlinked, %d copied%n", r.out(), edit.methodName().toUpperCase(), edit.concepts(), r.edited(),
                r.hardLinked(), r.symlinked(), r.copied());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
