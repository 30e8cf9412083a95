package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.model.Checkpoint;
import dev.erasekit.model.CheckpointWriter;
import dev.erasekit.model.EditedModelWriter;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code erasekit apply MODEL EDIT -o OUT_DIR}: an edited model folder that ONNX Runtime opens like the original;
 * {@code erasekit apply --checkpoint IN.safetensors EDIT -o OUT.safetensors}: an edited single-file checkpoint.
 * Not thread-safe (picocli fills one instance per run).
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {"Write an edited copy of MODEL: unet/model.onnx gets the edited K/V weights; every other file,",
                "the UNet's external weight data included, is hard-linked to the base (nothing large is copied).",
                "With --checkpoint, write an edited copy of a single-file SD v1.x checkpoint instead: streamed, every",
                "byte outside the K/V tensors as it was. EDIT is an edit file, or a LoRA/PEFT/diff file erasekit exported.",
                "Refuses an edit made for a different base model."})
final class ApplyCommand implements Callable<Integer> {
    @Parameters(arity = "1..2", paramLabel = "[MODEL] EDIT", description = "Base model folder (not with --checkpoint), then the edit file.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--checkpoint", paramLabel = "IN", description = "A single-file checkpoint (.safetensors, CompVis keys) to edit.")
    Path checkpoint;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Folder (or with --checkpoint, file) to create.")
    Path output;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (checkpoint != null) return applyToCheckpoint();
        if (paths.size() != 2) throw new InvalidInputException("give MODEL and EDIT (or --checkpoint IN and EDIT)");
        Path model = paths.get(0), editFile = paths.get(1);
        StableDiffusionModel base = StableDiffusionModel.open(model);
        EditedModelWriter.checkOutput(base, output, editFile);
        Edit edit = Edit.read(editFile, base::readWeights);
        base.fingerprint(cache.root()); // remembered by the UNet files' identity: no weights read to check the edit's base
        EditedModelWriter.Report r = EditedModelWriter.write(base, edit.overrides(), output);
        spec.commandLine().getOut().printf("wrote %s: %s edit of %s, %d K/V layers in unet/model.onnx; other files: %d hard-linked,"
                        + " %d symlinked, %d copied%n", r.out(), edit.methodName().toUpperCase(), edit.concepts(), r.edited(),
                r.hardLinked(), r.symlinked(), r.copied());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int applyToCheckpoint() {
        if (paths.size() != 1) throw new InvalidInputException("with --checkpoint, give only EDIT (the checkpoint is the base)");
        Path editFile = paths.getFirst();
        OutputPaths.checkFile(output, List.of(), List.of(checkpoint, editFile));
        Checkpoint in = Checkpoint.open(checkpoint);
        Edit edit = Edit.read(editFile, in::readWeights);
        CheckpointWriter.Report r = CheckpointWriter.write(in, edit.overrides(), output);
        spec.commandLine().getOut().printf("wrote %s: %s edit of %s, %d K/V tensors replaced, every other byte of %s copied (%.2f GB)%n",
                r.out(), edit.methodName().toUpperCase(), edit.concepts(), r.edited(), checkpoint, r.bytes() / 1e9);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
