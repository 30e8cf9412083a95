package dev.erasekit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.text.ClipTokenizer;
import dev.erasekit.text.Tokens;
import java.io.PrintWriter;
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

/** {@code erasekit tokenize MODEL TEXT... [--json]}: ids and BPE pieces as the model's pipeline sees them. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Tokenize prompts with the model's CLIP tokenizer (77 ids: BOS, up to 75 tokens, EOS, EOS padding).")
final class TokenizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (its tokenizer/ is used).")
    Path model;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "Prompts (at least one).")
    List<String> prompts;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = model.resolve("tokenizer");
        ClipTokenizer tokenizer = ClipTokenizer.load(java.nio.file.Files.isDirectory(dir) ? dir
                : StableDiffusionModel.open(model).tokenizerDir());
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> all = new ArrayList<>();
        for (String p : prompts) {
            Tokens t = tokenizer.encode(p);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("prompt", p);
                m.put("input_ids", t.ids());
                m.put("pieces", t.pieces());
                m.put("last_word_index", t.lastWordIndex());
                m.put("truncated_tokens", t.truncated());
                all.add(m);
            } else {
                out.printf("\"%s\"%n  ids     %s%n  pieces  %s%n  %d tokens%s, last word at row %d%n", p,
                        Arrays.toString(Arrays.copyOf(t.ids(), t.contentLength() + 2)).replace("]", ", 49407 × "
                                + (ClipTokenizer.MAX_LENGTH - t.contentLength() - 2) + "]"),
                        t.pieces(), t.contentLength(), t.truncated() > 0 ? " (" + t.truncated() + " cut off past 75)" : "",
                        t.lastWordIndex());
            }
        }
        if (json) out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
        out.flush();
        return 0;
    }
}
