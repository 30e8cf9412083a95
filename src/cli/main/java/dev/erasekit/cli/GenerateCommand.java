package dev.erasekit.cli;

import dev.erasekit.Backend;
import dev.erasekit.Device;
import dev.erasekit.Edit;
import dev.erasekit.EditMode;
import dev.erasekit.Engine;
import dev.erasekit.EngineOptions;
import dev.erasekit.GenerateRequest;
import dev.erasekit.GeneratedImage;
import dev.erasekit.Sampler;
import dev.erasekit.SessionRetention;
import dev.erasekit.io.AtomicFiles;
import dev.erasekit.io.Npy;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.io.Png;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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

    @Option(names = "--negative", paramLabel = "TEXT", description = "Negative prompt (default none: \"\" for SD v1.x/2.x;"
            + " for SDXL zero embeddings, as diffusers' negative_prompt=None; an explicit \"\" is encoded).")
    String negative;

    @Option(names = "--seed", defaultValue = "0", description = "Noise seed (default ${DEFAULT-VALUE}; SplitMix64 + Box–Muller).")
    long seed;

    @Option(names = "--steps", defaultValue = "50", description = "Inference steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "7.5", description = "Guidance scale (default ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--scheduler", defaultValue = "default", converter = SamplerConverter.class,
            description = "default (the model's config), pndm, ddim, euler, euler-a, lms, dpm++2m.")
    Sampler scheduler;

    @Option(names = "--width", description = "Image width, a multiple of 8 (default: the UNet's sample size × the VAE factor, 512 for SD v1.x).")
    Integer width;

    @Option(names = "--height", description = "Image height, a multiple of 8 (default: as width).")
    Integer height;

    @Option(names = "--batch", defaultValue = "1", description = "Images to generate (seeds seed, seed+1, …).")
    int batch;

    @Option(names = "--edit", paramLabel = "EDIT", description = "Edit file to apply.")
    Path editFile;

    @Option(names = "--edit-mode", defaultValue = "weights", description = "weights (override the UNet's K/V) or embedding (feed M·c).")
    EditMode editMode;

    @Option(names = "--edit-from", defaultValue = "0", paramLabel = "FRACTION",
            description = "Let the first FRACTION of the UNet calls run unedited, keeping the base image's layout (embedding mode).")
    double editFrom;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda (ONNX Runtime's GPU build, see the README).")
    Device device;

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
        List<String> sizes = new ArrayList<>();
        Edit edit = editFile == null ? null : Edit.read(editFile);
        float[] init = latents == null ? null : Npy.read(latents).floats();
        EngineOptions options = EngineOptions.builder().backend(Backend.JAVA).device(device).cacheDir(cache.root())
                .warnings(CliWarnings.of(spec)).eraseConcurrency(1)
                // one image: each session closed once its stage is done (lowest peak memory); a batch keeps them
                .retention(batch == 1 ? SessionRetention.RELEASE : SessionRetention.KEEP).build();
        try (Engine engine = Engine.open(model, options); AtomicFiles.Batch files = new AtomicFiles.Batch()) {
            List<GenerateRequest> requests = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                GenerateRequest.Builder r = GenerateRequest.builder(prompt).negative(negative).seed(seed + b).steps(steps)
                        .guidance(guidance).sampler(scheduler).size(width != null ? width : 0, height != null ? height : 0)
                        .edit(edit).editMode(editFrom > 0 && edit != null ? EditMode.EMBEDDING : editMode).editFrom(editFrom);
                if (init != null) r.latents(init);
                requests.add(r.build());
            }
            for (GenerateRequest r : requests) engine.check(r); // before any image: the batch is all or nothing
            for (int b = 0; b < batch; b++) {
                GeneratedImage img;
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("image " + (b + 1) + "/" + batch)
                        .setInitialMax(engine.unetCalls(requests.get(b))).setStyle(ProgressBarStyle.ASCII).setConsumer(
                                new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build()) {
                    img = engine.generate(requests.get(b), bar::stepTo);
                }
                Png.write(files, outputs.get(b), Png.rgb(img.rgb(), img.width(), img.height()), Map.of("parameters", img.parameters()));
                sizes.add(img.width() + "×" + img.height());
            }
            files.commit();
            for (int b = 0; b < batch; b++) spec.commandLine().getOut().printf("wrote %s (%s)%n", outputs.get(b), sizes.get(b));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
