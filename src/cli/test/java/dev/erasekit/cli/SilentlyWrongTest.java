package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.Npy;
import dev.erasekit.io.SafeTensors;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No silently wrong result: every input that used to give a wrong answer with exit 0 (non-finite
 * numbers, no-op edits, a damaged cache, a diverging RECE, values out of range) is refused with one
 * line before any work, or — for a damaged cache entry — recomputed with one warning naming the file.
 */
class SilentlyWrongTest {
    @TempDir
    Path tmp;

    private Path cache() {
        return tmp.resolve("cache");
    }

    private static String fails(int code, String... args) {
        CliTest.Run r = CliTest.run(args);
        String err = r.err().strip();
        assertEquals(code, r.code(), "exit code for " + Arrays.toString(args) + ": " + err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("erasekit: ") && !err.contains("internal error"), err);
        return err;
    }

    private Path erase(String name, String... more) {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("erase", Fixtures.tinySd().toString(), "--cache-dir", cache().toString(), "-o",
                out.toString()));
        args.addAll(List.of(more));
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return out;
    }

    @Test
    void nonFiniteNumbersAreRefused() throws IOException {
        String m = Fixtures.tinySd().toString(), png = tmp.resolve("x.png").toString();
        for (String g : List.of("NaN", "Infinity", "-Infinity", "1e308")) {
            assertTrue(fails(1, "generate", m, "--prompt", "x", "--guidance", g, "--cache-dir", cache().toString(), "-o", png)
                    .contains("guidance must be a finite number"), g);
        }
        assertFalse(Files.exists(Path.of(png)));
        Path edit = erase("e.safetensors", "--concept", "nudity");
        Path csv = Files.writeString(tmp.resolve("p.csv"), "prompt\na photo\n");
        Path report = tmp.resolve("report");
        assertTrue(fails(1, "validate", m, "--edit", edit.toString(), "--erase-prompts", csv.toString(), "--preserve-prompts",
                csv.toString(), "--guidance", "NaN", "--steps", "2", "--cache-dir", cache().toString(), "-o", report.toString())
                .contains("guidance must be a finite number"));
        assertFalse(Files.exists(report), "no report, so no false 100 % erase rate");
        // an edit file whose tensors hold NaN
        SafeTensors.Contents c = SafeTensors.read(edit);
        List<SafeTensors.Tensor> poisoned = new ArrayList<>(c.tensors());
        SafeTensors.Tensor first = poisoned.getFirst();
        float[] v = first.values().clone();
        v[5] = Float.NaN;
        poisoned.set(0, new SafeTensors.Tensor(first.name(), first.dtype(), first.shape(), v));
        Path bad = tmp.resolve("nan.safetensors");
        SafeTensors.write(bad, c.metadata(), poisoned);
        assertTrue(fails(3, "apply", m, bad.toString(), "-o", tmp.resolve("applied").toString()).contains("non-finite"));
        assertTrue(fails(3, "generate", m, "--prompt", "x", "--edit", bad.toString(), "--cache-dir", cache().toString(), "-o", png)
                .contains("non-finite"));
        // NaN initial latents
        float[] latents = new float[4 * 2 * 2];
        latents[3] = Float.NaN;
        Path l = tmp.resolve("latents.npy");
        Npy.writeFloats(l, new long[] {1, 4, 2, 2}, latents);
        assertTrue(fails(1, "generate", m, "--prompt", "x", "--latents", l.toString(), "--cache-dir", cache().toString(), "-o", png)
                .contains("non-finite"));
    }

    @Test
    void noOpEditsAreRefused() {
        String m = Fixtures.tinySd().toString(), out = tmp.resolve("e.safetensors").toString();
        for (String concept : List.of("", "   ")) {
            assertTrue(fails(1, "erase", m, "--concept", concept, "--cache-dir", cache().toString(), "-o", out)
                    .contains("empty or only whitespace"), "'" + concept + "'");
        }
        assertTrue(fails(1, "erase", m, "--concept", "cat", "--guide", "cat", "--cache-dir", cache().toString(), "-o", out)
                .contains("tokenize the same"));
        assertTrue(fails(1, "erase", m, "--concept", "Cat", "--guide", "cat ", "--cache-dir", cache().toString(), "-o", out)
                .contains("tokenize the same"), "the tokenizer lower-cases and strips");
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void byteOrderMarksAreNotPartOfTheFirstLine() throws IOException {
        Path concepts = Files.writeString(tmp.resolve("c.txt"), "\uFEFFnudity\nviolence\n");
        Path preserve = Files.writeString(tmp.resolve("p.txt"), "\uFEFFa photo\n");
        Path edit = erase("e.safetensors", "--concepts-file", concepts.toString(), "--preserve-file", preserve.toString());
        var meta = SafeTensors.read(edit).metadata();
        assertEquals(List.of("nudity", "violence"), new ObjectMapper().readValue(meta.get("concepts"), List.class));
        assertEquals(List.of("a photo"), new ObjectMapper().readValue(meta.get("preserves"), List.class), "no byte-order mark");
    }

    @Test
    void damagedCacheEntriesAreRecomputedAndNamed() throws IOException {
        Path fresh = erase("fresh.safetensors", "--method", "rece", "--preset", "nudity", "--concept", "nudity");
        byte[] want = Files.readAllBytes(fresh);
        List<Path> entries;
        try (Stream<Path> s = Files.walk(cache())) {
            entries = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        Path gram = entries.stream().filter(p -> p.getParent().getFileName().toString().equals("gram")).findFirst().orElseThrow();
        Path embedding = entries.stream().filter(p -> !p.equals(gram)).findFirst().orElseThrow();
        // Σ WᵀW scaled by 2, keeping its metadata: the checksum tells
        SafeTensors.Contents g = SafeTensors.read(gram);
        double[] scaled = g.doubles("value").values().clone();
        for (int i = 0; i < scaled.length; i++) scaled[i] *= 2;
        SafeTensors.write(gram, g.metadata(), List.of(new SafeTensors.F64Tensor("value", g.doubles("value").shape(), scaled)));
        // an embedding truncated by a crash
        byte[] e = Files.readAllBytes(embedding);
        Files.write(embedding, Arrays.copyOf(e, e.length / 2));
        Path again = tmp.resolve("again.safetensors");
        CliTest.Run r = CliTest.run("erase", Fixtures.tinySd().toString(), "--method", "rece", "--preset", "nudity", "--concept",
                "nudity", "--cache-dir", cache().toString(), "-o", again.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("ignoring the cache entry " + gram) && r.err().contains("checksum"), r.err());
        assertTrue(r.err().contains("ignoring the cache entry " + embedding), r.err());
        assertEquals(2, r.err().strip().lines().count(), "each damaged entry is named once: " + r.err());
        assertArrayEquals(want, Files.readAllBytes(again), "the edit equals the one made with a clean cache");
        CliTest.Run third = CliTest.run("erase", Fixtures.tinySd().toString(), "--method", "rece", "--preset", "nudity", "--concept",
                "nudity", "--cache-dir", cache().toString(), "-o", again.toString());
        assertEquals("", third.err().strip(), "the entries were rewritten");
    }

    @Test
    void divergingReceIsStopped() {
        String m = Fixtures.tinySd().toString(), out = tmp.resolve("e.safetensors").toString();
        for (String epochs : List.of("1000", "5000")) {
            String err = fails(1, "erase", m, "--method", "rece", "--concept", "nudity", "--epochs", epochs, "--cache-dir",
                    cache().toString(), "-o", out);
            assertTrue(err.contains("RECE diverged at epoch") && err.contains("fewer epochs"), err);
        }
        assertTrue(fails(1, "attack", m, "--edit", erase("ok.safetensors", "--concept", "nudity").toString(), "--concept", "nudity",
                "--reg", "NaN", "--cache-dir", cache().toString()).contains("--reg must be a finite number"));
        assertTrue(fails(1, "erase", Fixtures.tinySdWide().toString(), "--method", "surgical", "--concept", "x", "--anchor", "y",
                "--preserve", "a photo", "--preserve-scale", "Infinity", "--cache-dir", cache().toString(), "-o", out)
                .contains("α must be finite"));
    }

    @Test
    void everyInputIsCheckedBeforeTheFirstExpensiveStep() throws IOException {
        String m = Fixtures.tinySd().toString();
        Path other = tmp.resolve("other.safetensors");
        assertEquals(0, CliTest.run("erase", Fixtures.tinySdWide().toString(), "--concept", "nudity", "--cache-dir", cache().toString(),
                "-o", other.toString()).code());
        StringBuilder many = new StringBuilder("prompt\n");
        for (int i = 0; i < 2000; i++) many.append("prompt number ").append(i).append('\n');
        Path csv = Files.writeString(tmp.resolve("many.csv"), many);
        long t0 = System.nanoTime();
        assertTrue(fails(4, "validate", m, "--edit", other.toString(), "--erase-prompts", csv.toString(), "--preserve-prompts",
                csv.toString(), "--cache-dir", cache().toString(), "-o", tmp.resolve("r").toString()).contains("was made for the base model"));
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "refused before 4,000 images were generated");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertTrue(fails(1, "generate", m, "--prompt", "x", "-o", file.resolve("x.png").toString()).contains("output folder does not exist"));
        assertTrue(fails(1, "validate", m, "--edit", other.toString(), "--erase-prompts", csv.toString(), "--preserve-prompts",
                csv.toString(), "-o", file.resolve("r").toString()).contains("output folder does not exist"));
    }

    @Test
    void valuesOutOfRangeAreRefused() throws IOException {
        String m = Fixtures.tinySd().toString(), png = tmp.resolve("x.png").toString(), c = cache().toString();
        assertTrue(fails(1, "generate", m, "--prompt", "x", "--batch", "0", "-o", png).contains("--batch must be ≥ 1"));
        assertTrue(fails(1, "generate", m, "--prompt", "x", "--steps", "1001", "--cache-dir", c, "-o", png)
                .contains("1000 training timesteps"));
        Path edit = erase("e.safetensors", "--concept", "nudity");
        Path prompts = Files.writeString(tmp.resolve("p.csv"), "prompt\na photo\n");
        String[] validate = {"validate", m, "--edit", edit.toString(), "--erase-prompts", prompts.toString(), "--preserve-prompts",
                prompts.toString(), "--steps", "2", "--cache-dir", c, "-o", tmp.resolve("r").toString()};
        assertTrue(fails(1, concat(validate, "--limit", "-1")).contains("--limit must be ≥ 0"));
        assertTrue(fails(1, "erase", m, "--concepts-file", prompts.toString(), "--max-concepts", "-1", "-o",
                tmp.resolve("y.safetensors").toString()).contains("--max-concepts must be ≥ 0"));
        assertTrue(fails(1, "attack", m, "--edit", edit.toString(), "--concept", "nudity", "--eta", "NaN", "--cache-dir", c)
                .contains("--eta must be a finite number"));
        assertTrue(fails(1, "attack", m, "--edit", edit.toString(), "--concept", "nudity", "--reg", "0", "--cache-dir", c)
                .contains("--reg must be > 0"));
        for (String[] row : new String[][] {{"evaluation_seed", "lots"}, {"evaluation_seed", "1.5"}, {"evaluation_guidance", "x"},
                {"sd_image_width", "wide"}}) {
            Path bad = Files.writeString(tmp.resolve("bad.csv"), "prompt," + row[0] + "\na photo," + row[1] + "\n");
            String err = fails(3, "validate", m, "--edit", edit.toString(), "--erase-prompts", bad.toString(), "--preserve-prompts",
                    prompts.toString(), "--steps", "2", "--cache-dir", c, "-o", tmp.resolve("r").toString());
            assertTrue(err.contains("row 1: " + row[0] + " is '" + row[1] + "'"), err);
        }
        Path dup = Files.writeString(tmp.resolve("dup.csv"), "prompt,prompt\na,b\n");
        assertTrue(fails(3, concat(new String[] {"validate", m, "--edit", edit.toString(), "--erase-prompts", dup.toString(),
                "--preserve-prompts", prompts.toString(), "-o", tmp.resolve("r").toString()})).contains("twice in its header"));
        Path twice = erase("twice.safetensors", "--concept", "nudity", "--concept", "nudity", "--concept", "blood");
        assertEquals(List.of("nudity", "blood"), new ObjectMapper().readValue(SafeTensors.read(twice).metadata().get("concepts"), List.class));
    }

    @Test
    void classifierLabelsMustCoverItsOutputs() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("cls"));
        Files.createSymbolicLink(dir.resolve("classifier.onnx"),
                Fixtures.tinyShapes().resolve("classifier/classifier.onnx").toRealPath());
        Files.writeString(dir.resolve("labels.json"), "{\"color_scores\": [\"red\", \"green\"], \"shape_scores\": [\"circle\", \"square\","
                + " \"triangle\"]}");
        Path edit = erase("e.safetensors", "--concept", "nudity");
        Path prompts = Files.writeString(tmp.resolve("p.csv"), "prompt\na photo\n");
        String err = fails(3, "validate", Fixtures.tinySd().toString(), "--edit", edit.toString(), "--erase-prompts", prompts.toString(),
                "--preserve-prompts", prompts.toString(), "--classifier", dir.resolve("classifier.onnx").toString(), "--steps", "2",
                "--cache-dir", cache().toString(), "-o", tmp.resolve("r").toString());
        assertTrue(err.contains("gives 2 labels for the output 'color_scores'"), err);
    }

    @Test
    void aModelWithoutUnetConfigIsNotTakenForSd14() throws IOException {
        Path m = Files.createDirectories(tmp.resolve("noconfig"));
        try (Stream<Path> all = Files.walk(Fixtures.tinySd(), FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : all.toList()) {
                String rel = Fixtures.tinySd().relativize(p).toString();
                Path t = m.resolve(rel);
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!rel.equals("unet/config.json")) Files.createSymbolicLink(t, p.toRealPath());
            }
        }
        CliTest.Run r = CliTest.run("inspect", m.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        var j = new ObjectMapper().readTree(r.out());
        assertEquals("inferred from the graph", j.get("unet_config").asText());
        CliTest.Run withConfig = CliTest.run("inspect", Fixtures.tinySd().toString(), "--json");
        var k = new ObjectMapper().readTree(withConfig.out());
        assertEquals(k.get("layers"), j.get("layers"), "the same layers and CompVis names as with the config");
        assertTrue(fails(1, "generate", m.toString(), "--prompt", "x", "-o", tmp.resolve("x.png").toString())
                .contains("give --width and --height"));
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
