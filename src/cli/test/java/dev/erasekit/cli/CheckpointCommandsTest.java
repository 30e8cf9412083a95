package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.TestCheckpoints;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export, erase --format/--checkpoint and apply --checkpoint from the command line, and their refusals (one line, no output). */
class CheckpointCommandsTest {
    @TempDir
    Path tmp;

    private static String fails(Path output, String... args) {
        CliTest.Run r = CliTest.run(args);
        assertNotEquals(0, r.code(), String.join(" ", args));
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("erasekit: ") && !err.contains("Exception"), err);
        assertFalse(Files.exists(output), "no output: " + output);
        return err;
    }

    private static String ok(String... args) {
        CliTest.Run r = CliTest.run(args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
        return r.out();
    }

    @Test
    void eraseExportAndApplyOnACheckpoint() throws Exception {
        Path model = Fixtures.tinySdWide(), cache = tmp.resolve("cache");
        Path ckpt = TestCheckpoints.singleFile(StableDiffusionModel.open(model), tmp.resolve("base.safetensors"), DType.FP32,
                UnaryOperator.identity());
        Path lora = tmp.resolve("nudity.lora.safetensors"), edit = tmp.resolve("nudity.safetensors");
        String erased = ok("erase", model.toString(), "--checkpoint", ckpt.toString(), "--concept", "nudity", "--format", "lora",
                "--backend", "java", "--cache-dir", cache.toString(), "-o", lora.toString());
        assertTrue(erased.contains("(lora, rank "), erased);
        ok("erase", model.toString(), "--concept", "nudity", "--backend", "java", "--cache-dir", cache.toString(), "-o", edit.toString());
        String truncated = ok("export", edit.toString(), "--format", "peft", "--rank", "4", "--model", model.toString(), "--backend", "java",
                "--cache-dir", cache.toString(), "-o", tmp.resolve("r4.safetensors").toString());
        assertTrue(truncated.contains("rank 4 of ") && truncated.contains("K/V relative error on the concepts' rows"), truncated);
        Path out = tmp.resolve("erased.safetensors");
        String applied = ok("apply", "--checkpoint", ckpt.toString(), lora.toString(), "-o", out.toString());
        assertTrue(applied.contains("K/V tensors replaced") && Files.size(out) == Files.size(ckpt), applied);
        ok("apply", "--checkpoint", ckpt.toString(), edit.toString(), "-o", tmp.resolve("erased2.safetensors").toString());

        Path otherBase = TestCheckpoints.singleFile(StableDiffusionModel.open(Fixtures.tinySd()), tmp.resolve("other.safetensors"),
                DType.FP32, UnaryOperator.identity());
        Path no = tmp.resolve("no.safetensors");
        assertTrue(fails(no, "apply", "--checkpoint", otherBase.toString(), lora.toString(), "-o", no.toString())
                .contains("was made for the base model"));
        assertTrue(fails(no, "apply", "--checkpoint", otherBase.toString(), edit.toString(), "-o", no.toString())
                .contains("was made for the base model"));
        Path xl = TestCheckpoints.singleFile(StableDiffusionModel.open(model), tmp.resolve("xl.safetensors"), DType.FP32,
                t -> t.stream().map(x -> new dev.erasekit.io.SafeTensors.Tensor(x.name().replace("cond_stage_model.transformer.",
                        "conditioner.embedders.0.transformer."), x.dtype(), x.shape(), x.values())).toList());
        assertTrue(fails(no, "apply", "--checkpoint", xl.toString(), edit.toString(), "-o", no.toString()).contains("SDXL"));
        assertTrue(fails(no, "apply", "--checkpoint", ckpt.toString(), edit.toString(), "-o", ckpt.toString()).contains(ckpt.toString()));
        assertTrue(fails(no, "export", edit.toString(), "--format", "lora", "--rank", "2", "-o", no.toString()).contains("--model"));
        CliTest.Run usage = CliTest.run("export", edit.toString(), "--format", "safetensors", "-o", no.toString()); // picocli's usage error
        assertEquals(2, usage.code());
        assertTrue(usage.err().lines().findFirst().orElseThrow().contains("unknown format 'safetensors'"), usage.err());
        Path foreign = tmp.resolve("foreign.safetensors");
        dev.erasekit.io.SafeTensors.write(foreign, java.util.Map.of("ss_network_dim", "4"), java.util.List.of(new dev.erasekit.io.SafeTensors.Tensor(
                "lora_unet_x.lora_down.weight", DType.FP32, new long[] {1, 2}, new float[2])));
        assertTrue(fails(no, "apply", "--checkpoint", ckpt.toString(), foreign.toString(), "-o", no.toString()).contains("not an erasekit edit"));
    }
}
