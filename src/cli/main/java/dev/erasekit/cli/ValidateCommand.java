package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.eval.ClipScorer;
import dev.erasekit.eval.ImageClassifier;
import dev.erasekit.eval.NudeNetDetector;
import dev.erasekit.eval.PromptSet;
import dev.erasekit.eval.Report;
import dev.erasekit.eval.Validation;
import dev.erasekit.io.ReportFolder;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code erasekit validate MODEL --edit EDIT --erase-prompts CSV --preserve-prompts CSV -o REPORT_DIR} */
@Command(name = "validate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate base and edited images with the same seeds for erase and preserve prompts (CSV with a",
                "'prompt' column; per-row evaluation_seed, evaluation_guidance, sd_image_width/height honoured), measure",
                "the edit (mechanistic ε metrics, PSNR/SSIM; optional classifier, NudeNet, CLIP score) and write report.json",
                "and index.html."})
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Base model folder.")
    Path model;

    @Option(names = "--edit", required = true, paramLabel = "EDIT", description = "Edit file to validate.")
    Path editFile;

    @Option(names = "--erase-prompts", required = true, paramLabel = "CSV", description = "Prompts the edit should change.")
    Path erasePrompts;

    @Option(names = "--preserve-prompts", required = true, paramLabel = "CSV", description = "Prompts the edit should leave alone.")
    Path preservePrompts;

    @Option(names = "--limit", defaultValue = "0", description = "Use the first N prompts of each file (0: all).")
    int limit;

    @Option(names = "--classifier", paramLabel = "FILE.onnx", description = "An ONNX image classifier, labels.json beside it.")
    Path classifier;

    @Option(names = "--nudenet", paramLabel = "FILE.onnx",
            description = "NudeNet v3 detector ONNX (e.g. 320n.onnx): images per exposed class, erase vs preserve prompts.")
    Path nudenet;

    @Option(names = "--nudenet-threshold", defaultValue = "0.6", paramLabel = "SCORE",
            description = "Detection score above which an exposed class counts (default ${DEFAULT-VALUE}, RECE's).")
    double nudenetThreshold;

    @Option(names = "--clip", paramLabel = "DIR",
            description = "CLIP ONNX export (optimum layout: model.onnx, vocab.json, merges.txt, preprocessor_config.json): CLIP score.")
    Path clip;

    @Option(names = "--edit-from", defaultValue = "0", paramLabel = "FRACTION",
            description = "Let the first FRACTION of the UNet calls run unedited (the edit as its embedding transform from then on).")
    double editFrom;

    @Option(names = "--steps", defaultValue = "25", description = "Inference steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--scheduler", defaultValue = "default", description = "Scheduler (default: the model's).")
    String scheduler;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for rows without evaluation_seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--guidance", defaultValue = "7.5", description = "Guidance for rows without evaluation_guidance.")
    double guidance;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "REPORT_DIR", description = "Folder for the report.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!(nudenetThreshold > 0 && nudenetThreshold < 1)) {
            throw new InvalidInputException("--nudenet-threshold must be in (0, 1), got " + nudenetThreshold);
        }
        OptionChecks.atLeast("--limit", limit, 0);
        OptionChecks.atLeast("--steps", steps, 1);
        List<Path> inputs = Arrays.asList(editFile, erasePrompts, preservePrompts, classifier, nudenet, clip);
        ReportFolder.check(output, List.of(model), inputs);
        StableDiffusionModel m = StableDiffusionModel.open(model);
        Edit edit = Edit.read(editFile);
        int size = m.unetConfig().sampleSize() > 0 ? Txt2Img.defaultSize(m) : 0; // 0: rows must give their size
        PromptSet erase = PromptSet.read(erasePrompts, limit, seed, guidance, size, size);
        PromptSet preserve = PromptSet.read(preservePrompts, limit, seed, guidance, size, size);
        List<Validation.Variant> variants = List.of(Validation.Variant.base("base"), variant(edit.methodName().toUpperCase() + " edit", edit, editFrom));
        Validation.Settings settings = new Validation.Settings(steps, scheduler);
        Validation.check(m, variants, erase, preserve, settings);
        try (ImageClassifier c = classifier == null ? null : new ImageClassifier(classifier);
             NudeNetDetector n = nudenet == null ? null : NudeNetDetector.open(nudenet);
             ClipScorer s = clip == null ? null : ClipScorer.open(clip)) {
            Validation.Judges judges = new Validation.Judges(c, n, nudenetThreshold, s);
            ReportFolder.write(output, List.of(model), inputs, tmp -> {
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("images").setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                    Validation.Result r = Validation.run(m, cache.root(), variants, erase, preserve, judges, tmp, settings,
                            new Validation.Progress() {
                                @Override
                                public void image(int done, int total) {
                                    bar.maxHint(total).stepTo(done);
                                }
                            });
                    Report.write(tmp, "erasekit validation: " + edit.methodName().toUpperCase() + " " + edit.concepts(), null, r,
                            c == null ? Map.of() : c.labels(), edit.concepts(),
                            Map.of("model", m.dir().toString(), "edit", editFile.toString()));
                }
            });
            spec.commandLine().getOut().printf("wrote %s%n", output.resolve("index.html").toAbsolutePath().normalize());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** An edit as a validation variant: its weights, concepts and targets. */
    static Validation.Variant variant(String name, Edit edit) {
        return variant(name, edit, 0);
    }

    /** The edit as a variant; from {@code editFrom} of the UNet calls on when that is above 0 (its embedding transform). */
    static Validation.Variant variant(String name, Edit edit, double editFrom) {
        if (editFrom > 0 && edit.transform().isEmpty()) {
            throw new dev.erasekit.error.InvalidInputException("--edit-from needs an edit with a shared factor (erasekit's own edits)");
        }
        return new Validation.Variant(name, edit.overrides(), edit.concepts(), edit.targets(), edit.transform().orElse(null), editFrom);
    }
}
