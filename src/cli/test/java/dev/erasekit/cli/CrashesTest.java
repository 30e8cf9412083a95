package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes with no message, fixed: a long command line (ONNX Runtime's telemetry overflowed the main
 * thread's stack reading it), sizes whose arrays cannot exist, and the inputs that used to end in
 * "internal error: <Java exception>". Each now gives one line and a documented exit code.
 */
class CrashesTest {
    @TempDir
    Path tmp;

    /** Runs the CLI in-process; asserts one "erasekit: " line on stderr, no stack trace, the given exit code. */
    private static String fails(int code, String... args) {
        CliTest.Run r = CliTest.run(args);
        String err = r.err().strip();
        assertEquals(code, r.code(), "exit code for " + Arrays.toString(args) + ": " + err);
        assertTrue(err.startsWith("erasekit: ") && !err.contains("internal error") && !err.contains("\tat "), err);
        return err;
    }

    @Test
    void anyCommandLineLengthWorks() throws Exception {
        Path cache = tmp.resolve("cache"), out = tmp.resolve("e.safetensors");
        String longPrompt = "a ".repeat(3000).strip();
        CliProcess.Result r = CliProcess.run(tmp, Map.of("ERASEKIT_CACHE", cache.toString()), List.of(), "embed",
                Fixtures.tinySd().toString(), "--prompt", longPrompt, "-o", out.toString());
        assertEquals(0, r.code(), "exit " + r.code() + ": " + r.err());
        assertTrue(r.err().contains("2,925 tokens cut off") && r.err().length() < 400, "the warning names the prompt briefly: " + r.err());
        List<String> many = new ArrayList<>(List.of("erase", Fixtures.tinySd().toString(), "-o", tmp.resolve("m.safetensors").toString()));
        for (int i = 0; i < 200; i++) many.addAll(List.of("--concept", "concept number " + i));
        r = CliProcess.run(tmp, Map.of("ERASEKIT_CACHE", cache.toString()), List.of(), many.toArray(String[]::new));
        assertEquals(0, r.code(), "200 concepts: exit " + r.code() + ": " + r.err());
    }

    @Test
    void embedTakesAPromptsFile() throws IOException {
        Path file = Files.writeString(tmp.resolve("i2p.txt"), "\uFEFFa photo of a cat\n\nhello world\n"), out = tmp.resolve("e.safetensors");
        CliTest.Run r = CliTest.run("embed", Fixtures.tinySd().toString(), "--prompts-file", file.toString(), "--cache-dir",
                tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        SafeTensors.Contents c = SafeTensors.read(out);
        assertEquals(2, c.tensors().size());
        assertEquals("a photo of a cat", c.metadata().get("prompt.0"), "no byte-order mark in the first prompt");
    }

    @Test
    void sizesAreCheckedBeforeAnyWork() {
        String m = Fixtures.tinySd().toString(), out = tmp.resolve("big.png").toString();
        assertTrue(fails(1, "generate", m, "--prompt", "x", "--width", "40000", "-o", out).contains("up to 4096"));
        assertTrue(fails(1, "generate", m, "--prompt", "x", "--width", "100000", "--height", "8", "-o", out).contains("up to 4096"));
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void attentionThatCannotFitIsRefused() {
        // SD v1.x geometry at 4096²: the first self-attention alone needs terabytes
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.erasekit.error.OutOfResourcesException.class,
                () -> dev.erasekit.diffusion.MemoryEstimate.check(4096, 4096, 8, dev.erasekit.model.UnetConfig.SD_V1));
        assertTrue(e.getMessage().contains("self-attention"), e.getMessage());
        dev.erasekit.diffusion.MemoryEstimate.check(512, 512, 8, dev.erasekit.model.UnetConfig.SD_V1); // 1 GiB: fits
    }

    /** A copy of the tiny model whose listed files the caller will replace (the rest are links). */
    private Path modelCopy(String... replaced) throws IOException {
        return modelCopy(Fixtures.tinySd(), replaced);
    }

    private Path modelCopy(Path from, String... replaced) throws IOException {
        Path to = Files.createTempDirectory(tmp, "model");
        try (Stream<Path> all = Files.walk(from, FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (!Arrays.asList(replaced).contains(from.relativize(p).toString())) Files.createSymbolicLink(target, p.toRealPath());
            }
        }
        return to;
    }

    @Test
    void formerInternalErrorsGetOneLine() throws Exception {
        Path cache = tmp.resolve("cache");
        String m = Fixtures.tinySd().toString();
        // tokenize with no text: a usage error
        assertTrue(fails(2, "tokenize", m).contains("TEXT"));
        // a text-encoder config whose width (128, the UNet's) disagrees with its graph (32)
        Path wide = modelCopy(Fixtures.tinySdWide(), "text_encoder/model.onnx");
        Files.createSymbolicLink(wide.resolve("text_encoder/model.onnx"),
                Fixtures.tinySd().resolve("text_encoder/model.onnx").toRealPath());
        assertTrue(fails(3, "embed", wide.toString(), "--prompt", "x", "--cache-dir", cache.toString(), "-o",
                tmp.resolve("x.safetensors").toString()).contains("produces embeddings [77, 32], but the model's configs and UNet"
                + " expect [77, 128]"));
        // a vocabulary missing BPE pieces
        Path vocab = modelCopy("tokenizer/vocab.json");
        Files.writeString(vocab.resolve("tokenizer/vocab.json"), "{\"<|startoftext|>\": 49406, \"<|endoftext|>\": 49407}");
        assertTrue(fails(3, "tokenize", vocab.toString(), "a cat").contains("vocab.json has no entry"));
        // num_train_timesteps: 0
        Path sched = modelCopy("scheduler/scheduler_config.json");
        Files.writeString(sched.resolve("scheduler/scheduler_config.json"), "{\"_class_name\": \"PNDMScheduler\", \"num_train_timesteps\": 0,"
                + " \"skip_prk_steps\": true}");
        assertTrue(fails(3, "generate", sched.toString(), "--prompt", "x", "--cache-dir", cache.toString(), "-o",
                tmp.resolve("x.png").toString()).contains("num_train_timesteps"));
        // an edit whose metadata holds a JSON object
        Path edit = tmp.resolve("obj.safetensors");
        writeRaw(edit, "{\"__metadata__\": {\"format\": {\"nested\": 1}}, \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}",
                new byte[4]);
        assertTrue(fails(3, "apply", m, edit.toString(), "-o", tmp.resolve("applied").toString()).contains("not a string"));
        // attack --pairs with a header-only CSV
        Path good = tmp.resolve("good.safetensors");
        assertEquals(0, CliTest.run("erase", m, "--concept", "nudity", "--cache-dir", cache.toString(), "-o", good.toString()).code());
        Path pairs = Files.writeString(tmp.resolve("pairs.csv"), "sensitive,neutral\n");
        assertTrue(fails(3, "attack", m, "--edit", good.toString(), "--concept", "nudity", "--pairs", pairs.toString(), "--cache-dir",
                cache.toString()).contains("no prompt pairs"));
        // demo --seeds 0, solver-demo --preserve-rows -1
        assertTrue(fails(1, "demo", "--seeds", "0", "-o", tmp.resolve("demo").toString()).contains("--seeds must be ≥ 1"));
        assertTrue(fails(1, "solver-demo", "--preserve-rows", "-1").contains("--preserve-rows must be ≥ 0"));
        // a transposed cache entry: recomputed, with one warning naming the file
        Path cache2 = tmp.resolve("cache2");
        assertEquals(0, CliTest.run("embed", m, "--prompt", "hello", "--cache-dir", cache2.toString(), "-o",
                tmp.resolve("h.safetensors").toString()).code());
        Path entry;
        try (Stream<Path> s = Files.walk(cache2.resolve("embeddings"))) {
            entry = s.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        SafeTensors.Contents c = SafeTensors.read(entry);
        SafeTensors.Tensor t = c.tensors().getFirst();
        SafeTensors.write(entry, c.metadata(), List.of(new SafeTensors.Tensor(t.name(), t.dtype(), new long[] {32, 77}, t.values())));
        CliTest.Run r = CliTest.run("embed", m, "--prompt", "hello", "--cache-dir", cache2.toString(), "-o",
                tmp.resolve("h2.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: ignoring the cache entry " + entry) && r.err().contains("shape [32, 77]"), r.err());
        assertTrue(r.out().contains("1 encoded"), r.out());
        assertEquals(Files.readString(tmp.resolve("h.safetensors"), StandardCharsets.ISO_8859_1).length(),
                Files.readString(tmp.resolve("h2.safetensors"), StandardCharsets.ISO_8859_1).length());
    }

    static void writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(file, b.array());
    }
}
