package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reproducible bytes, the user's umask, no leftovers (of killed runs, of ONNX Runtime, of its
 * telemetry), all-or-nothing batches on a full disk, and one-line usage errors.
 */
class HygieneTest {
    @TempDir
    Path tmp;

    @Test
    void sameInputsGiveTheSameBytes() throws Exception {
        String m = Fixtures.tinySdWide().toString(), c = tmp.resolve("cache").toString();
        for (String[] method : new String[][] {{"uce"}, {"rece", "--preset", "nudity"}, {"surgical", "--anchor", "a photo"}}) {
            byte[][] runs = new byte[2][];
            for (int k = 0; k < 2; k++) {
                Path out = tmp.resolve(method[0] + k + ".safetensors");
                String[] args = Stream.concat(Stream.of("erase", m, "--concept", "nudity", "--preserve", "a cat", "--preserve", "a dog",
                        "--cache-dir", c, "-o", out.toString(), "--method"), Stream.of(method)).toArray(String[]::new);
                CliTest.Run r = CliTest.run(args);
                assertEquals(0, r.code(), r.err());
                runs[k] = Files.readAllBytes(out);
            }
            assertArrayEquals(runs[0], runs[1], method[0] + ": two runs, the same bytes");
        }
    }

    @Test
    void outputsHonourTheUmask() throws Exception {
        Path out = tmp.resolve("e.safetensors"), control = Files.createFile(tmp.resolve("control"));
        CliTest.Run r = CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "nudity", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(control)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(out)), "the mode any new file gets here");
    }

    @Test
    void leftoversOfKilledRunsAreCleanedAndNothingElse() throws Exception {
        Path out = tmp.resolve("e.safetensors");
        long dead = ProcessHandle.current().pid() + 4_000_000; // beyond pid_max: no such process
        Path staleFile = Files.writeString(tmp.resolve(".e.safetensors.erasekit-" + dead + "-1a2b.tmp"), "half an edit");
        Path staleDir = Files.createDirectories(tmp.resolve(".e.safetensors.erasekit-" + dead + "-3c4d.partial"));
        Files.writeString(staleDir.resolve("x"), "x");
        Path live = Files.writeString(tmp.resolve(".e.safetensors.erasekit-" + ProcessHandle.current().pid() + "-5e6f.tmp"), "mine");
        Path users = Files.writeString(tmp.resolve(".e.safetensors.backup.tmp"), "the user's");
        CliTest.Run r = CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "nudity", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(staleFile) || Files.exists(staleDir), "a dead run's temporaries are removed");
        assertTrue(Files.exists(live) && Files.exists(users), "a live run's and the user's files are kept");
    }

    @Test
    void onnxRuntimeLeavesNothingBehind() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home")), javaTmp = Files.createDirectories(tmp.resolve("jtmp"));
        Path cache = tmp.resolve("cache");
        CliProcess.Result r = CliProcess.run(tmp, Map.of("HOME", home.toString(), "ERASEKIT_CACHE", cache.toString(),
                "JAVA_TOOL_OPTIONS", "-Djava.io.tmpdir=" + javaTmp), List.of(), "embed", Fixtures.tinySd().toString(), "--prompt",
                "a cat", "-o", tmp.resolve("e.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        try (Stream<Path> left = Files.list(javaTmp)) {
            assertEquals(List.of(), left.toList(), "nothing in java.io.tmpdir (ONNX Runtime used to leave onnxruntime-java*)");
        }
        assertFalse(Files.exists(Path.of("/tmp/mat-debug-" + r.pid() + ".log")), "no telemetry debug log");
        assertFalse(Files.exists(home.resolve(".cache/Microsoft")), "no telemetry device id or event cache");
        try (Stream<Path> libs = Files.list(cache.resolve("native"))) {
            assertEquals(1, libs.count(), "the native libraries are cached once");
        }
    }

    @Test
    void aFullDiskLeavesNoPartialBatch() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk")), cache = tmp.resolve("cache");
        // a private mount namespace with an 8 KiB tmpfs over the output folder: room for two 4 KiB pages
        List<String> smallDisk = List.of("unshare", "--mount", "sh", "-c",
                "mount -t tmpfs -o size=8k tmpfs \"$0\" && exec \"$@\"", disk.toString());
        CliProcess.Result r = CliProcess.run(tmp, Map.of("ERASEKIT_CACHE", cache.toString()), smallDisk, "generate",
                Fixtures.tinySd().toString(), "--prompt", "a cat", "--steps", "2", "--batch", "4", "-o", disk.resolve("cat.png").toString());
        assertEquals(6, r.code(), "out of resources: " + r.err());
        String line = r.err().lines().filter(l -> l.startsWith("erasekit: ")).findFirst().orElse("");
        assertTrue(line.contains(disk.resolve("cat-").toString()) && line.contains("No space left on device"), r.err());
        try (Stream<Path> left = Files.list(disk)) {
            assertEquals(List.of(), left.toList(), "no PNG of the batch and no temporary file (the mount is gone, and so is all)");
        }
    }

    @Test
    void aMistypedOptionGetsTwoLines() {
        CliTest.Run r = CliTest.run("erase", Fixtures.tinySd().toString(), "--concep", "x", "-o", tmp.resolve("e").toString());
        assertEquals(2, r.code());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("erasekit: Unknown option") && lines.get(0).contains("'--concep'"), lines.get(0));
        assertEquals("Try 'erasekit erase --help' for more information.", lines.get(1));
    }
}
