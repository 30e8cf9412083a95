package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.io.ReportFolder;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost (README, "Guarantees"): an output inside the base model or equal to an input is
 * refused before any work, a folder erasekit did not write is never emptied, and an applied model
 * shares only its large weight files with the base. Each case checks the bytes of every file involved
 * before and after.
 */
class DataSafetyTest {
    @TempDir
    Path tmp;

    /** A private copy of the tiny model (real files: these tests check that nothing in it changes). */
    private Path model() throws IOException {
        Path to = tmp.resolve("model");
        try (Stream<Path> all = Files.walk(Fixtures.tinySd(), FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : all.toList()) {
                Path t = to.resolve(Fixtures.tinySd().relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        return to;
    }

    /** Relative path → SHA-256 of every file under dir. */
    static Map<String, String> digest(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }

    private static String refused(String... args) {
        CliTest.Run r = CliTest.run(args);
        assertNotEquals(0, r.code(), "refused: " + String.join(" ", args));
        assertEquals(1, r.err().strip().lines().count(), r.err());
        return r.err();
    }

    @Test
    void outputsInsideTheModelOrEqualToAnInputAreRefused() throws Exception {
        Path m = model(), cache = tmp.resolve("cache");
        Map<String, String> before = digest(m);
        String c = cache.toString();
        assertTrue(refused("erase", m.toString(), "--concept", "x", "--cache-dir", c, "-o", m.resolve("unet/model.onnx").toString())
                .contains("is inside the model folder"));
        assertTrue(refused("erase", m.toString(), "--concept", "x", "--cache-dir", c, "-o", m.resolve("unet/config.json").toString())
                .contains("is inside the model folder"));
        assertTrue(refused("generate", m.toString(), "--prompt", "x", "--steps", "2", "--cache-dir", c, "-o",
                m.resolve("unet/model.onnx").toString()).contains("is inside the model folder"));
        assertTrue(refused("embed", m.toString(), "--prompt", "x", "--cache-dir", c, "-o",
                m.resolve("text_encoder/model.onnx").toString()).contains("is inside the model folder"));
        // through a symbolic link to the model's folder
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), m.resolve("unet"));
        assertTrue(refused("erase", m.toString(), "--concept", "x", "--cache-dir", c, "-o", alias.resolve("x.safetensors").toString())
                .contains("is inside the model folder"));
        // a hard link to one of the model's files, elsewhere
        Path hard = Files.createLink(tmp.resolve("linked.onnx"), m.resolve("unet/model.onnx"));
        assertTrue(refused("erase", m.toString(), "--concept", "x", "--cache-dir", c, "-o", hard.toString())
                .contains("is the same file as"));
        Path edit = tmp.resolve("e.safetensors");
        assertEquals(0, CliTest.run("erase", m.toString(), "--concept", "x", "--cache-dir", c, "-o", edit.toString()).code());
        String editBefore = digest(tmp).get("e.safetensors");
        assertTrue(refused("generate", m.toString(), "--prompt", "x", "--steps", "2", "--edit", edit.toString(), "--cache-dir", c,
                "-o", edit.toString()).contains("is also an input"));
        assertTrue(refused("apply", m.toString(), edit.toString(), "-o", m.resolve("sub").toString())
                .contains("is inside the model folder"));
        assertFalse(Files.exists(m.resolve("sub")), "apply wrote nothing into the model");
        assertEquals(before, digest(m), "the model is unchanged");
        assertEquals(editBefore, digest(tmp).get("e.safetensors"), "the edit is unchanged");
    }

    @Test
    void reportsReplaceOnlyWhatErasekitWrote() throws Exception {
        Path m = model(), cache = tmp.resolve("cache"), edit = tmp.resolve("e.safetensors");
        assertEquals(0, CliTest.run("erase", m.toString(), "--concept", "nudity", "--cache-dir", cache.toString(), "-o",
                edit.toString()).code());
        Path prompts = Files.writeString(tmp.resolve("p.csv"), "prompt\na photo\n");
        Path mine = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(mine.resolve("report.json"), "{\"mine\": true}");
        Files.writeString(mine.resolve("notes.txt"), "my notes");
        Map<String, String> minesBefore = digest(mine);
        String[] validate = {"validate", m.toString(), "--edit", edit.toString(), "--erase-prompts", prompts.toString(),
                "--preserve-prompts", prompts.toString(), "--steps", "2", "--cache-dir", cache.toString(), "-o"};
        assertTrue(refused(concat(validate, mine.toString())).contains("is not an erasekit report"));
        assertEquals(minesBefore, digest(mine), "a folder of the user's is left alone");
        // a real report is replaced by the next run; a file the user adds to it stops the replacement
        Path report = tmp.resolve("report");
        CliTest.Run first = CliTest.run(concat(validate, report.toString()));
        assertEquals(0, first.code(), first.err());
        assertTrue(Files.exists(report.resolve(ReportFolder.MARKER)));
        assertEquals(0, CliTest.run(concat(validate, report.toString())).code(), "an erasekit report is replaced");
        Files.writeString(report.resolve("images/my-favourite.txt"), "keep me");
        assertTrue(refused(concat(validate, report.toString())).contains("also holds files erasekit did not write"));
        assertEquals("keep me", Files.readString(report.resolve("images/my-favourite.txt")));
        try (Stream<Path> left = Files.list(tmp)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(".erasekit-")), "no temporary folder left");
        }
    }

    @Test
    void validateIntoTheCurrentFolderEmptiesNothing() throws Exception {
        Path m = model(), cache = tmp.resolve("cache"), edit = tmp.resolve("e.safetensors");
        assertEquals(0, CliTest.run("erase", m.toString(), "--concept", "nudity", "--cache-dir", cache.toString(), "-o",
                edit.toString()).code());
        Path cwd = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(cwd.resolve("report.json"), "{}");
        Files.writeString(cwd.resolve("thesis.tex"), "\\documentclass{article}");
        Path prompts = Files.writeString(cwd.resolve("p.csv"), "prompt\na photo\n");
        Map<String, String> before = digest(cwd);
        CliProcess.Result r = CliProcess.run(cwd, Map.of("ERASEKIT_CACHE", cache.toString()), List.of(), "validate", m.toString(),
                "--edit", edit.toString(), "--erase-prompts", "p.csv", "--preserve-prompts", "p.csv", "--steps", "2", "-o", ".");
        assertNotEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("is not an erasekit report"), r.err());
        assertEquals(before, digest(cwd), "nothing in the current folder changed");
        assertTrue(Files.exists(prompts));
    }

    @Test
    void appliedModelsShareOnlyLargeWeightFiles() throws Exception {
        Path m = model(), edit = tmp.resolve("e.safetensors"), out = tmp.resolve("applied");
        assertEquals(0, CliTest.run("erase", m.toString(), "--concept", "nudity", "--cache-dir", tmp.resolve("cache").toString(),
                "-o", edit.toString()).code());
        CliTest.Run r = CliTest.run("apply", m.toString(), edit.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, String> base = digest(m);
        Files.writeString(out.resolve("model_index.json"), "{\"edited\": true}");
        Files.writeString(out.resolve("tokenizer/vocab.json"), "{}");
        assertEquals(base, digest(m), "editing the applied folder's small files leaves the base as it was");
        assertTrue(Files.isSameFile(out.resolve("text_encoder/model.onnx"), m.resolve("text_encoder/model.onnx")),
                "the 6 MB text encoder is shared, not copied");
        assertFalse(Files.isSameFile(out.resolve("unet/model.onnx"), m.resolve("unet/model.onnx")), "the UNet is rewritten");
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
