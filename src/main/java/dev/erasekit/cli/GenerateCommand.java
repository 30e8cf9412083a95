package dev.erasekit.cli;

import dev.erasekit.diffusion.Txt2Img;
import dev.erasekit.edit.Edit;
import dev.erasekit.edit.EditFile;
import dev.erasekit.io.AtomicFiles;
import dev.erasekit.io.Npy;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.io.Png;
import dev.erasekit.model.StableDiffusionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code erasekit generate MODEL --prompt TEXT ... -o OUT.png} */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate images with classifier-free guidance on ONNX Runtime, optionally with an edit applied.")
final class GenerateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--negative", defaultValue = "", paramLabel = "TEXT", description = "Negative prompt (default \"\").")
    String negative;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}; SplitMix64 + Box–Muller).")
    long seed;

    @Option(names = "--steps", defaultValue = "50", description = "Inference steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "7.5", description = "Guidance scale (default ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--scheduler", defaultValue = "default",
            description = "default (the model's config), pndm, ddim, euler, euler-a, lms, dpm++2m.")
    String scheduler;

    @Option(names = "--width", description = "Image width, a multiple of 8 (default: the UNet's sample size × the VAE factor, 512 for SD v1.x).")
    Integer width;

    @Option(names = "--height", description = "Image height, a multiple of 8 (default: as width).")
    Integer height;

    @Option(names = "--batch", defaultValue = "1", description = "Images to generate (seeds seed, seed+1, …).")
    int batch;

    @Option(names = "--edit", paramLabel = "EDIT", description = "Edit file to apply.")
    Path editFile;

    @Option(names = "--edit-mode", defaultValue = "weights", description = "weights (override the UNet's K/V) or embedding (feed M·c).")
    Txt2Img.EditMode editMode;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (ONNX Runtime's GPU build, see the README).")
    dev.erasekit.diffusion.Device device;

    @Option(names = "--latents", paramLabel = "FILE.npy", description = "Initial latents [1, 4, h/8, w/8] (N(0, I) noise) instead of the seed.")
    Path latents;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.png", description = "Output PNG (batch: OUT-0.png, …).")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OptionChecks.atLeast("--batch", batch, 1);
        List<Path> outputs = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            outputs.add(batch == 1 ? output : output.resolveSibling(output.getFileName().toString()
                    .replaceFirst("(\\.png)?$", "-" + b + ".png")));
        }
        for (Path o : outputs) OutputPaths.checkFile(o, List.of(model), Arrays.asList(editFile, latents));
        StableDiffusionModel m = StableDiffusionModel.open(model);
        int w = width != null ? width : Txt2Img.defaultSize(m), h = height != null ? height : width != null ? width : w;
        Edit edit = editFile == null ? null : EditFile.read(editFile);
        float[] init = latents == null ? null : Npy.read(latents).floats();
        List<Txt2Img.Request> requests = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            requests.add(new Txt2Img.Request(prompt, negative, seed + b, steps, guidance, scheduler, w, h, init));
        }
        Txt2Img.check(m, requests.getFirst());
        try (Txt2Img pipe = new Txt2Img(m, cache.root(), edit, editMode, device); AtomicFiles.Batch files = new AtomicFiles.Batch()) {
            for (int b = 0; b < batch; b++) {
                Txt2Img.Request req = requests.get(b);
                Txt2Img.Result r;
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("image " + (b + 1) + "/" + batch)
                        .setInitialMax(pipe.calls(req)).setStyle(ProgressBarStyle.ASCII).setConsumer(
                                new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
                    r = pipe.generate(req, bar::stepTo);
                }
                Map<String, String> text = new LinkedHashMap<>();
                text.put("parameters", prompt + "\nNegative prompt: " + negative + "\nSteps: " + steps + ", Sampler: " + scheduler
                        + ", CFG scale: " + guidance + ", Seed: " + (seed + b) + ", Size: " + w + "x" + h + ", Model hash: "
                        + m.fingerprint() + (edit == null ? "" : ", Edit: " + edit.method() + " " + edit.concepts() + " (" + editMode
                        .name().toLowerCase() + ")") + ", Generator: erasekit " + ErasekitCommand.Version.get());
                Png.write(files, outputs.get(b), Png.rgb(r.image(), r.imageWidth(), r.imageHeight()), text);
            }
            files.commit();
            for (Path o : outputs) spec.commandLine().getOut().printf("wrote %s (%d×%d)%n", o, w, h);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
