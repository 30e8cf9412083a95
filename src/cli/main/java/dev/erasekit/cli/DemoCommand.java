package dev.erasekit.cli;

import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.eval.ImageClassifier;
import dev.erasekit.eval.PromptSet;
import dev.erasekit.eval.Report;
import dev.erasekit.eval.Validation;
import dev.erasekit.io.ReportFolder;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.model.StableDiffusionModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code erasekit demo}: on the bundled toy model tiny-shapes (trained on coloured shapes), erase
 * "red" with "blue" as the anchor by UCE, RECE and the surgical erase; generate base and edited
 * images of the 12 captions "a {colour} {shape}" with the same seeds; classify them; write the HTML
 * report with the methods side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Erase \"red\" (anchor \"blue\") from the bundled toy model tiny-shapes with UCE, RECE and the surgical",
                "erase, generate base and edited images of the 12 captions \"a {colour} {shape}\", classify them and",
                "write an HTML report."})
final class DemoCommand implements Callable<Integer> {
    static final List<String> COLOURS = List.of("red", "green", "blue", "yellow"), SHAPES = List.of("circle", "square", "triangle");
    /** The surgical@20% variant's start: the fraction of UNet calls left to the base (README, "Erasure that keeps the structure"). */
    static final double LATE_START = 0.2;

    @Option(names = "--model", paramLabel = "DIR", description = "The demo model (default: the bundled models/tiny-shapes).")
    Path model;

    @Option(names = "--seeds", defaultValue = "1", description = "Images per caption (default ${DEFAULT-VALUE}; more gives finer rates, 0.5 s per image and method).")
    int seeds;

    @Option(names = "--steps", defaultValue = "20", description = "PNDM steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--eval", description = "The evaluation setting: 8 seeds per caption, 25 steps (about 5.5 minutes on 2 cores).")
    boolean eval;


    @Option(names = {"-o", "--output"}, defaultValue = "erasekit-demo", paramLabel = "DIR", description = "Report folder (default ${DEFAULT-VALUE}).")
    Path output;

    @CommandLine.Mixin
    EngineMixin engineOptions = new EngineMixin();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (eval) {
            seeds = 8;
            steps = 25;
        }
        OptionChecks.atLeast("--seeds", seeds, 1);
        OptionChecks.atLeast("--steps", steps, 1);
        Path dir = model != null ? model : bundledModel();
        PrintWriter out = spec.commandLine().getOut();
        ReportFolder.check(output, List.of(dir), List.of());
        List<PromptSet.Prompt> erase = new ArrayList<>(), preserve = new ArrayList<>();
        for (String c : COLOURS) {
            for (String s : SHAPES) {
                for (int k = 0; k < seeds; k++) {
                    var p = new PromptSet.Prompt("a " + c + " " + s, 1000L * COLOURS.indexOf(c) + 100L * SHAPES.indexOf(s) + k, 7.5, 32, 32);
                    (c.equals("red") ? erase : preserve).add(p);
                }
            }
        }
        out.printf("erasekit demo: erasing \"red\" (anchor \"blue\") from the toy model %s%n", dir);
        List<Validation.Variant> variants = new ArrayList<>(List.of(Validation.Variant.base("base")));
        Path cacheRoot = engineOptions.cache.root();
        try (Engine engine = Engine.open(dir, engineOptions.options(spec).build())) {
            // the other colours are preserved, as a user of UCE would (docs/methods.md §2: retain "" plus preserves), in the
            // captions' context: CLIP's text encoder is causal, so "a green" is the prefix every green caption shares
            // (bare "green" keeps 7 of 9 other captions' colour with UCE, "a green" all 9)
            List<String> keep = List.of("a green", "a yellow", "a blue");
            Map<String, EraseMethod> methods = new java.util.LinkedHashMap<>();
            methods.put("UCE", Uce.DEFAULTS);
            methods.put("RECE", Rece.Preset.NUDITY.settings());
            methods.put("surgical", Surgical.DEFAULTS);
            for (Map.Entry<String, EraseMethod> v : methods.entrySet()) {
                Edit edit = engine.erase(EraseRequest.builder().method(v.getValue()).concept("red").target("blue").preserves(keep)
                        .build()).edit();
                variants.add(ValidateCommand.variant(v.getKey(), edit));
                // the same surgical edit acting from the first fifth of the steps on: the base sets the layout (README)
                if (v.getValue() instanceof Surgical) variants.add(ValidateCommand.variant("surgical@20%", edit, LATE_START));
            }
            out.printf("  edits solved on %s (UCE, RECE 3 epochs, surgical with \"\" held exactly, and surgical from 20 %% of the steps)%n",
                    engine.backendName());
        }
        StableDiffusionModel m = StableDiffusionModel.open(dir);
        try (ImageClassifier classifier = new ImageClassifier(dir.resolve("classifier/classifier.onnx"))) {
            ReportFolder.write(output, List.of(dir), List.of(), tmp -> {
                Validation.Result res = Validation.run(m, cacheRoot, variants, new PromptSet("red captions", erase),
                        new PromptSet("other captions", preserve), Validation.Judges.classifierOnly(classifier), tmp,
                        new Validation.Settings(steps, "pndm"),
                        new Validation.Progress() {
                            @Override
                            public void variant(String v) {
                                out.printf("  generated %d images: %s%n", erase.size() + preserve.size(), v);
                            }
                        });
                Report.write(tmp, "erasekit demo: erase \"red\", anchor \"blue\" (toy model)", intro(dir), res,
                        classifier.labels(), List.of("red"), Map.of("model", dir.toString(), "steps", steps, "seeds_per_caption", seeds));
                printSummary(out, Report.summary(res, classifier.labels(), List.of("red")));
            });
        }
        out.printf("%nreport: %s  (%.0f s)%n", output.resolve("index.html").toAbsolutePath(), (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }

    /**
     * The summary side by side: rates in % with their 95 % Wilson interval, n images each; the structure
     * columns compare each red caption's image with the base image of the same seed.
     */
    @SuppressWarnings("unchecked")
    static void printSummary(PrintWriter out, Map<String, Object> summary) {
        out.printf("%n  %-13s %15s %15s %15s %15s %15s %9s %9s%n", "variant", "red → not red", "red → blue", "other colours", "other shapes",
                "same shape", "mask IoU", "\"\" drift");
        for (var e : summary.entrySet()) {
            Map<String, Object> v = (Map<String, Object>) e.getValue();
            Map<String, Object> er = (Map<String, Object>) ((Map<String, Object>) v.get("erase")).get("color_scores");
            Map<String, Object> pc = (Map<String, Object>) ((Map<String, Object>) v.get("preserve")).get("color_scores");
            Map<String, Object> ps = (Map<String, Object>) ((Map<String, Object>) v.get("preserve")).get("shape_scores");
            Map<String, Integer> counts = (Map<String, Integer>) er.get("counts");
            int n = counts.values().stream().mapToInt(Integer::intValue).sum();
            Map<String, Object> st = v.get("structure") instanceof Map<?, ?> m ? (Map<String, Object>) m.get("erase") : null;
            String same = "–", iou = "–";
            if (st != null) {
                Map<String, Object> r = (Map<String, Object>) ((Map<String, Object>) st.get("same_label_as_base")).get("shape_scores");
                same = cell((Double) r.get("rate"), (List<Double>) r.get("wilson_95"));
                iou = String.format(Locale.ROOT, "%.2f", (Double) st.get("mask_iou"));
            }
            out.printf(Locale.ROOT, "  %-13s %15s %15s %15s %15s %15s %9s %9.1e%n", e.getKey(),
                    cell(n - counts.getOrDefault("red", 0), n), cell(counts.getOrDefault("blue", 0), n),
                    cell((Double) pc.get("accuracy"), (List<Double>) pc.get("wilson_95")),
                    cell((Double) ps.get("accuracy"), (List<Double>) ps.get("wilson_95")), same, iou, (Double) v.get("unconditional_drift"));
        }
        Map<String, Object> any = (Map<String, Object>) summary.values().iterator().next();
        Map<String, Object> pc = (Map<String, Object>) ((Map<String, Object>) any.get("preserve")).get("color_scores");
        int erased = ((Map<String, Integer>) ((Map<String, Object>) ((Map<String, Object>) any.get("erase")).get("color_scores"))
                .get("counts")).values().stream().mapToInt(Integer::intValue).sum();
        out.printf("  %% [95 %% Wilson interval]; n = %d red-caption images, %s other-caption images%n", erased,
                pc.get("images_with_expected_label"));
    }

    private static String cell(int k, int n) {
        double[] w = dev.erasekit.eval.Wilson.interval(k, n);
        return cell(n == 0 ? 0 : (double) k / n, List.of(w[0], w[1]));
    }

    private static String cell(double rate, List<Double> w) {
        return String.format(Locale.ROOT, "%.0f [%.0f,%.0f]", 100 * rate, 100 * w.get(0), 100 * w.get(1));
    }

    private static String intro(Path dir) {
        return "<p class=\"note\"><b>This is a toy model.</b> tiny-shapes is a 1.5 M-parameter Stable-Diffusion-v1-architecture"
                + " model trained on 32×32 images of one coloured shape, so the effect of an erase can be seen and counted. Its"
                + " classifier labels each image's colour and shape. The three methods erase the concept \"red\" with \"blue\" as"
                + " the target; a correct edit turns red shapes blue and leaves the other colours alone.</p>"
                + "<p>The same on a real Stable Diffusion v1.4 ONNX export (optimum layout), e.g. erasing nudity and validating on"
                + " I2P prompts with the NudeNet v3 detector and CLIP score (their ONNX files are the user's to provide):</p><pre>./erasekit erase sd-v1-4-onnx --method rece --preset nudity --concept nudity -o nudity.safetensors\n"
                + "./erasekit validate sd-v1-4-onnx --edit nudity.safetensors --erase-prompts i2p.csv --preserve-prompts coco_30k.csv"
                + " --limit 100 --nudenet 320n.onnx --clip clip-vit-large-patch14-onnx -o nudity-report</pre><p><small>model: " + Report.esc(dir.toString()) + "</small></p>";
    }

    /** models/tiny-shapes next to the installation: -Derasekit.home (the launcher sets it), else beside the jar. */
    static Path bundledModel() {
        String home = System.getProperty("erasekit.home");
        List<Path> candidates = new ArrayList<>();
        if (home != null) candidates.add(Path.of(home, "models", "tiny-shapes"));
        try {
            Path jar = Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar; p != null; p = p.getParent()) candidates.add(p.resolve("models/tiny-shapes"));
        } catch (Exception e) {
            // no code source: rely on the other candidates
        }
        candidates.add(Path.of("models", "tiny-shapes"));
        return candidates.stream().filter(p -> Files.exists(p.resolve("unet/model.onnx"))).findFirst()
                .orElseThrow(() -> new CorruptFileException("the bundled demo model models/tiny-shapes was not found; pass --model DIR"));
    }
}
