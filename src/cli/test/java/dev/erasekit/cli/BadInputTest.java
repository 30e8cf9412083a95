package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.erasekit.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets one clear message on stderr, exit code ≠ 0, no stack trace, and no output file
 * (nor a partial one) left behind.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    /** Runs the CLI and checks the failure contract; returns the message. */
    private String fails(Path output, String... args) throws IOException {
        CliTest.Run r = CliTest.run(args);
        assertNotEquals(0, r.code(), "exit code for " + Arrays.toString(args));
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("erasekit: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        if (output != null) {
            assertFalse(Files.exists(output), "no output file: " + output);
            try (Stream<Path> left = Files.list(output.toAbsolutePath().getParent())) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().contains(output.getFileName().toString())
                        && !p.equals(output)), "no partial file next to " + output);
            }
        }
        return err;
    }

    /** A copy of a fixture model made of symlinks, except the files the test will replace. */
    private Path modelCopy(Path from, String... replaced) throws IOException {
        Path to = Files.createTempDirectory(tmp, "model");
        try (Stream<Path> all = Files.walk(from, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!Arrays.asList(replaced).contains(from.relativize(p).toString())) {
                    Files.createSymbolicLink(target, p.toRealPath());
                }
            }
        }
        return to;
    }

    @Test
    void missingModelFolder() throws IOException {
        Path out = tmp.resolve("edit.safetensors");
        String err = fails(out, "erase", tmp.resolve("nowhere").toString(), "--concept", "x", "-o", out.toString());
        assertTrue(err.contains("model folder not found"), err);
        assertTrue(fails(null, "inspect", tmp.resolve("nowhere").toString()).contains("model folder not found"));
    }

    @Test
    void truncatedAndCorruptOnnx() throws IOException {
        Path truncated = modelCopy(Fixtures.tinySd(), "unet/model.onnx");
        byte[] unet = Files.readAllBytes(Fixtures.tinySd().resolve("unet/model.onnx"));
        Files.write(truncated.resolve("unet/model.onnx"), Arrays.copyOf(unet, unet.length / 2));
        Path out = tmp.resolve("edit.safetensors");
        String err = fails(out, "erase", truncated.toString(), "--concept", "x", "-o", out.toString());
        assertTrue(err.contains("not a valid ONNX model") || err.contains("not an ONNX model"), err);
        Path corrupt = modelCopy(Fixtures.tinySd(), "unet/model.onnx");
        Files.write(corrupt.resolve("unet/model.onnx"), "this is not a protobuf \u0000\u0001\u00ff".getBytes());
        err = fails(null, "inspect", corrupt.toString());
        assertTrue(err.contains("ONNX model"), err);
    }

    @Test
    void externalDataTooShort() throws IOException {
        Path m = modelCopy(Fixtures.tinySdExternal(), "unet/model.onnx_data");
        byte[] data = Files.readAllBytes(Fixtures.tinySdExternal().resolve("unet/model.onnx_data"));
        Files.write(m.resolve("unet/model.onnx_data"), Arrays.copyOf(data, 1000));
        assertTrue(fails(null, "inspect", m.toString()).contains("truncated"));
    }

    @Test
    void corruptSafetensorsHeader() throws IOException {
        Path edit = tmp.resolve("bad.safetensors");
        Files.write(edit, new byte[] {(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0, '{', '}'});
        Path out = tmp.resolve("applied");
        String err = fails(out, "apply", Fixtures.tinySd().toString(), edit.toString(), "-o", out.toString());
        assertTrue(err.contains("not a valid safetensors file"), err);
        Files.write(edit, new byte[] {4, 0, 0, 0, 0, 0, 0, 0, 'n', 'o', 'p', 'e'});
        assertTrue(fails(out, "apply", Fixtures.tinySd().toString(), edit.toString(), "-o", out.toString())
                .contains("header is not JSON"));
    }

    @Test
    void modelWithoutCrossAttention() throws IOException {
        // a "UNet" that is really the VAE decoder: no text input at all
        Path vae = modelCopy(Fixtures.tinySd(), "unet/model.onnx");
        Files.createSymbolicLink(vae.resolve("unet/model.onnx"), Fixtures.tinySd().resolve("vae_decoder/model.onnx").toRealPath());
        assertTrue(fails(null, "inspect", vae.toString()).contains("not a text-conditioned UNet"));
        // a UNet whose encoder_hidden_states feeds nothing
        Path none = modelCopy(Fixtures.tinySd(), "unet/model.onnx");
        OnnxMl.ModelProto.Builder b = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(Fixtures.tinySd().resolve("unet/model.onnx"))).toBuilder();
        for (OnnxMl.NodeProto.Builder n : b.getGraphBuilder().getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals("encoder_hidden_states")) n.setInput(i, "unused");
        }
        try (OutputStream os = Files.newOutputStream(none.resolve("unet/model.onnx"))) {
            b.build().writeTo(os);
        }
        Path out = tmp.resolve("edit.safetensors");
        String err = fails(out, "erase", none.toString(), "--concept", "x", "-o", out.toString());
        assertTrue(err.contains("has no cross-attention"), err);
    }

    @Test
    void textEncoderWidthMismatch() throws IOException {
        Path m = modelCopy(Fixtures.tinySd(), "text_encoder/config.json");
        String config = Files.readString(Fixtures.tinySd().resolve("text_encoder/config.json"));
        Files.writeString(m.resolve("text_encoder/config.json"), config.replaceFirst("\"hidden_size\": *32", "\"hidden_size\": 64"));
        String err = fails(null, "inspect", m.toString());
        assertTrue(err.contains("takes width 32 but the text encoder produces width 64"), err);
    }

    @Test
    void editForAnotherBase() throws IOException {
        Path edit = tmp.resolve("narrow.safetensors");
        CliTest.Run made = CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "nudity", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", edit.toString());
        assertEquals(0, made.code(), made.err());
        Path out = tmp.resolve("applied");
        String err = fails(out, "apply", Fixtures.tinySdWide().toString(), edit.toString(), "-o", out.toString());
        assertTrue(err.contains("was made for the base model") && err.contains("refusing"), err);
        // the same weights in the other layout share the fingerprint: allowed
        CliTest.Run ok = CliTest.run("apply", Fixtures.tinySdExternal().toString(), edit.toString(), "-o", out.toString());
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void badNumbersAndOptions() throws IOException {
        Path out = tmp.resolve("edit.safetensors");
        String err = fails(out, "erase", Fixtures.tinySd().toString(), "--concept", "x", "--lambda", "-1", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", out.toString());
        assertTrue(err.contains("λ must be finite and ≥ 0"), err);
        CliTest.Run gpu = CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "x", "--backend", "gpu", "-o", out.toString());
        assertEquals(2, gpu.code(), "a usage error");
        assertTrue(gpu.err().contains("Invalid value for option '--backend'") && gpu.err().contains("OPENBLAS"), gpu.err());
        err = fails(out, "erase", Fixtures.tinySd().toString(), "--concept", "x", "-o", tmp.resolve("no/such/dir/e.safetensors").toString());
        assertTrue(err.contains("output folder does not exist"), err);
    }

    @Test
    void badEvaluationModels() throws IOException {
        Path edit = tmp.resolve("e.safetensors");
        CliTest.Run made = CliTest.run("erase", Fixtures.tinySd().toString(), "--concept", "nudity", "--cache-dir",
                tmp.resolve("cache").toString(), "-o", edit.toString());
        assertEquals(0, made.code(), made.err());
        Path prompts = Files.writeString(tmp.resolve("p.csv"), "prompt\na photo\n");
        Path out = tmp.resolve("report");
        String[] common = {"validate", Fixtures.tinySd().toString(), "--edit", edit.toString(), "--erase-prompts", prompts.toString(),
                "--preserve-prompts", prompts.toString(), "--steps", "2", "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString()};
        String err = fails(out, concat(common, "--nudenet", tmp.resolve("320n.onnx").toString()));
        assertTrue(err.contains("NudeNet model not found"), err);
        err = fails(out, concat(common, "--nudenet", prompts.toString()));
        assertTrue(err.contains("cannot load the NudeNet detector"), err);
        err = fails(out, concat(common, "--clip", Files.createDirectories(tmp.resolve("not-clip")).toString()));
        assertTrue(err.contains("no model.onnx in") && err.contains("optimum layout"), err);
        err = fails(out, concat(common, "--nudenet-threshold", "1.5"));
        assertTrue(err.contains("--nudenet-threshold must be in (0, 1)"), err);
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Arrays.stream(a), Arrays.stream(b)).toArray(String[]::new);
    }
}
