package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.WrongBaseException;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.Checkpoint;
import dev.erasekit.model.CheckpointWriter;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints in, checkpoints out (on tiny-sd-wide's weights in a single-file checkpoint and a diffusers
 * folder built by {@link TestCheckpoints}): one fingerprint whatever the container, an edit made on the
 * ONNX export applies to the checkpoint, the streamed checkpoint equals its input byte for byte outside the
 * K/V tensors, an erase on the checkpoint equals the erase on the ONNX export, and bad checkpoints are
 * refused with one line.
 */
class CheckpointTest {
    @TempDir
    static Path tmp;
    static StableDiffusionModel onnx;
    static Path single, folder;

    @BeforeAll
    static void build() throws Exception {
        onnx = StableDiffusionModel.open(Fixtures.tinySdWide());
        single = TestCheckpoints.singleFile(onnx, tmp.resolve("tiny.safetensors"), DType.FP32, UnaryOperator.identity());
        folder = TestCheckpoints.diffusersFolder(onnx, tmp.resolve("tiny-diffusers"));
    }

    @Test
    void oneFingerprintWhateverTheContainer() {
        Checkpoint a = Checkpoint.open(single), b = Checkpoint.open(folder);
        assertEquals(onnx.layers().size(), a.layers().size());
        assertEquals(onnx.fingerprint(), a.fingerprint());
        assertEquals(onnx.fingerprint(), b.fingerprint());
        for (int i = 0; i < onnx.layers().size(); i++) {
            assertEquals(onnx.layers().get(i).compvisName(), a.layers().get(i).compvisName());
            assertEquals(onnx.layers().get(i).diffusersName(), b.layers().get(i).diffusersName());
        }
        Path half = TestCheckpoints.singleFile(onnx, tmp.resolve("half.safetensors"), DType.FP16, UnaryOperator.identity());
        assertNotEquals(onnx.fingerprint(), Checkpoint.open(half).fingerprint(), "fp16 weights are other weights");
        Path bf16 = TestCheckpoints.singleFile(onnx, tmp.resolve("bf16.safetensors"), DType.BF16, UnaryOperator.identity());
        List<LayerWeights> w = Checkpoint.open(bf16).readWeights(), base = onnx.readWeights();
        for (int i = 0; i < w.size(); i++) {
            assertEquals(DType.BF16, w.get(i).dtype());
            float[] expected = base.get(i).w().data().clone();
            for (int j = 0; j < expected.length; j++) expected[j] = DType.BF16.round(expected[j]);
            assertArrayEquals(expected, w.get(i).w().data(), w.get(i).name());
        }
    }

    @Test
    void streamedCheckpointChangesOnlyTheKvTensors() throws Exception {
        Edit edit;
        try (Engine e = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            edit = e.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
        }
        Checkpoint in = Checkpoint.open(single);
        Path out = tmp.resolve("erased.safetensors");
        CheckpointWriter.write(in, edit.overrides(), out);
        byte[] a = Files.readAllBytes(single), b = Files.readAllBytes(out);
        assertEquals(a.length, b.length);
        boolean[] kv = new boolean[a.length];
        for (Checkpoint.Layer l : in.layers()) {
            for (long i = l.entry().begin(); i < l.entry().end(); i++) kv[(int) (in.header().dataStart() + i)] = true;
        }
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            if (!kv[i]) assertEquals(a[i], b[i], "byte " + i + " outside the K/V tensors");
            else if (a[i] != b[i]) differ++;
        }
        assertTrue(differ > 0, "the K/V tensors changed");
        SafeTensors.Contents c = SafeTensors.read(out);
        assertEquals(SafeTensors.read(single).metadata(), c.metadata());
        for (LayerWeights w : edit.overrides().layers()) {
            assertArrayEquals(w.w().data(), c.tensor(in.layer(w.name()).orElseThrow().compvisName()).values(), w.name());
        }
        // a LoRA of the same edit, applied to the checkpoint: W' within 1e-5
        Path lora = tmp.resolve("edit.lora.safetensors");
        edit.export(lora, ExportOptions.of(ExportFormat.LORA_COMPVIS));
        Edit back = Edit.read(lora, in::readWeights);
        for (LayerWeights w : back.overrides().layers()) {
            double err = dev.erasekit.linalg.Dense.relativeError(w.w().data(), edit.overrides().layer(w.name()).orElseThrow().w().data());
            assertTrue(err <= 1e-5, w.name() + ": " + err);
        }
        // an edit of another base is refused
        Edit other;
        try (Engine e = TestEngines.open(Fixtures.tinySd(), Backend.JAVA, tmp.resolve("cache"))) {
            other = e.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
        }
        Path no = tmp.resolve("refused.safetensors");
        assertThrows(WrongBaseException.class, () -> CheckpointWriter.write(in, other.overrides(), no));
        assertTrue(Files.notExists(no));
    }

    @Test
    void eraseOnTheCheckpointEqualsTheEraseOnTheExport() {
        EraseRequest r = EraseRequest.builder().concept("nudity").target(" ").preserve("a dog").build();
        Edit fromOnnx, fromFolder;
        try (Engine e = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            fromOnnx = e.erase(r).edit();
        }
        EngineOptions o = EngineOptions.builder().backend(Backend.JAVA).cacheDir(tmp.resolve("cache")).checkpoint(folder).build();
        try (Engine e = Engine.open(Fixtures.tinySdWide(), o)) {
            fromFolder = e.erase(r).edit();
            InvalidInputException x = assertThrows(InvalidInputException.class, () -> e.apply(fromFolder, tmp.resolve("no")));
            assertTrue(x.getMessage().contains("apply --checkpoint"), x.getMessage());
        }
        assertEquals(fromOnnx.baseFingerprint(), fromFolder.baseFingerprint());
        for (LayerWeights w : fromOnnx.overrides().layers()) {
            assertArrayEquals(w.w().data(), fromFolder.overrides().layer(w.name()).orElseThrow().w().data(), w.name());
        }
    }

    @Test
    void badCheckpointsAreRefused() {
        InvalidInputException sdxl = assertThrows(InvalidInputException.class, () -> Checkpoint.open(TestCheckpoints.singleFile(onnx,
                tmp.resolve("xl.safetensors"), DType.FP32, t -> rename(t, "cond_stage_model.transformer.", "conditioner.embedders.0.transformer."))));
        assertTrue(sdxl.getMessage().contains("SDXL"), sdxl.getMessage());
        InvalidInputException sd2 = assertThrows(InvalidInputException.class, () -> Checkpoint.open(TestCheckpoints.singleFile(onnx,
                tmp.resolve("sd2.safetensors"), DType.FP32, t -> rename(t, "cond_stage_model.transformer.", "cond_stage_model.model."))));
        assertTrue(sd2.getMessage().contains("SD 2.x"), sd2.getMessage());
        CorruptFileException missing = assertThrows(CorruptFileException.class, () -> Checkpoint.open(TestCheckpoints.singleFile(onnx,
                tmp.resolve("missing.safetensors"), DType.FP32, t -> drop(t, onnx.layers().getFirst().compvisName()))));
        assertTrue(missing.getMessage().contains("missing keys"), missing.getMessage());
        InvalidInputException none = assertThrows(InvalidInputException.class, () -> Checkpoint.open(TestCheckpoints.singleFile(onnx,
                tmp.resolve("vae-only.safetensors"), DType.FP32, t -> t.stream().filter(x -> x.name().startsWith("first_stage")).toList())));
        assertTrue(none.getMessage().contains("not an SD v1.x checkpoint"), none.getMessage());
        // another text encoder: one value of the token embedding changed
        Path tuned = TestCheckpoints.singleFile(onnx, tmp.resolve("tuned.safetensors"), DType.FP32, t -> {
            List<SafeTensors.Tensor> o = new ArrayList<>();
            for (SafeTensors.Tensor x : t) {
                if (x.name().endsWith("token_embedding.weight")) {
                    float[] v = x.values().clone();
                    v[5] += 0.01f;
                    x = new SafeTensors.Tensor(x.name(), x.dtype(), x.shape(), v);
                }
                o.add(x);
            }
            return o;
        });
        EngineOptions o = EngineOptions.builder().backend(Backend.JAVA).noCache().checkpoint(tuned).build();
        WrongBaseException te = assertThrows(WrongBaseException.class, () -> {
            try (Engine e = Engine.open(Fixtures.tinySdWide(), o)) {
                e.erase(EraseRequest.builder().concept("nudity").target(" ").build());
            }
        });
        assertTrue(te.getMessage().contains("token_embedding"), te.getMessage());
        // the same checkpoint with an fp16 text encoder (the ONNX one rounded) passes the check
        Path half = TestCheckpoints.singleFile(onnx, tmp.resolve("half-te.safetensors"), DType.FP16, UnaryOperator.identity());
        assertTrue(dev.erasekit.model.TextEncoderCheck.verify(Checkpoint.open(half), onnx.textEncoderFile()) > 3);
        assertThrows(InvalidInputException.class, () -> Checkpoint.open(Files.writeString(tmp.resolve("model.ckpt"), "PK")));
    }

    private static List<SafeTensors.Tensor> rename(List<SafeTensors.Tensor> t, String from, String to) {
        return t.stream().map(x -> new SafeTensors.Tensor(x.name().replace(from, to), x.dtype(), x.shape(), x.values())).toList();
    }

    private static List<SafeTensors.Tensor> drop(List<SafeTensors.Tensor> t, String name) {
        return t.stream().filter(x -> !x.name().equals(name)).toList();
    }
}
