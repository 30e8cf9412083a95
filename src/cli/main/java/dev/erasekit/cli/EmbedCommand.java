package dev.erasekit.cli;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.DType;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
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

/** {@code erasekit embed MODEL --prompt TEXT... -o FILE.safetensors}: text-encoder outputs [77, width] per prompt. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Run the text encoder and write each prompt's last_hidden_state [77, width] (fp32) to safetensors.")
final class EmbedCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    Path model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts-file", paramLabel = "FILE",
            description = "Prompts, one per line (UTF-8; blank lines skipped), or a CSV with a 'prompt' column.")
    Path promptsFile;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output .safetensors file.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        OutputPaths.checkFile(output, List.of(model), Arrays.asList(promptsFile));
        List<String> prompts = new ArrayList<>(this.prompts);
        if (promptsFile != null) {
            prompts.addAll(promptsFile.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".csv")
                    ? dev.erasekit.io.CsvTable.read(promptsFile).column("prompt") : PromptFiles.lines(promptsFile));
        }
        if (prompts.isEmpty()) throw new InvalidInputException("no prompt: give --prompt TEXT or --prompts-file FILE");
        StableDiffusionModel m = StableDiffusionModel.open(model);
        Map<String, String> meta = new LinkedHashMap<>();
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        try (TextEmbedder embedder = dev.erasekit.diffusion.ModelText.embedder(m, cache.root(), CliWarnings.of(spec))) {
            meta.put("text_encoder_fingerprint", embedder.encoderFingerprint());
            meta.put("model", m.dir().toString());
            for (int i = 0; i < prompts.size(); i++) {
                PromptEmbedding e = embedder.embed(prompts.get(i));
                meta.put("prompt." + i, prompts.get(i));
                tensors.add(new SafeTensors.Tensor("prompt." + i, DType.FP32,
                        new long[] {e.rows().rows(), e.rows().cols()}, e.rows().data()));
                if (e.pooled() != null) { // SDXL: the pooled text_embeds the UNet also takes
                    tensors.add(new SafeTensors.Tensor("prompt." + i + ".pooled", DType.FP32, new long[] {e.pooled().length}, e.pooled()));
                }
            }
            SafeTensors.write(output, meta, tensors);
            spec.commandLine().getOut().printf("wrote %d embedding(s) [77, %d]%s to %s (%d encoded, %d from the cache)%n",
                    prompts.size(), m.textWidth(), m.pooledWidth() > 0 ? " and pooled [" + m.pooledWidth() + "]" : "", output,
                    embedder.encodedCount(), prompts.size() - embedder.encodedCount());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
