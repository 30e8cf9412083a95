package dev.erasekit.cli;

import dev.erasekit.io.SafeTensors;
import dev.erasekit.linalg.DType;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.PromptEmbedding;
import dev.erasekit.text.TextEmbedder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code erasekit embed MODEL --prompt TEXT... -o FILE.safetensors}: text-encoder outputs [77, width] per prompt. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Run the text encoder and write each prompt's last_hidden_state [77, width] (fp32) to safetensors.")
final class EmbedCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder.")
    Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "A prompt (repeatable).")
    List<String> prompts;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output .safetensors file.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        CliPaths.requireOutputFolder(output);
        StableDiffusionModel m = StableDiffusionModel.open(model);
        Map<String, String> meta = new LinkedHashMap<>();
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        try (TextEmbedder embedder = new TextEmbedder(ClipTokenizer.load(m.tokenizerDir()), m.textEncoderFile(),
                cache.root())) {
            meta.put("text_encoder_fingerprint", embedder.encoderFingerprint());
            meta.put("model", m.dir().toString());
            for (int i = 0; i < prompts.size(); i++) {
                PromptEmbedding e = embedder.embed(prompts.get(i));
                meta.put("prompt." + i, prompts.get(i));
                tensors.add(new SafeTensors.Tensor("prompt." + i, DType.FP32,
                        new long[] {e.rows().rows(), e.rows().cols()}, e.rows().data()));
            }
            SafeTensors.write(output, meta, tensors);
            spec.commandLine().getOut().printf("wrote %d embedding(s) [77, %d] to %s (%d encoded, %d from the cache)%n",
                    prompts.size(), m.textWidth(), output, embedder.encodedCount(), prompts.size() - embedder.encodedCount());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
