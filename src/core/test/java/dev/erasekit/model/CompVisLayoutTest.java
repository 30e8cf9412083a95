package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.TestEngines;
import dev.erasekit.tensor.LayerWeights;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CompVis {@code onnx} branch layout: same folders as optimum, the UNet's external data in
 * {@code unet/weights.pb}. Built here from the external fixture by renaming its data file.
 */
class CompVisLayoutTest {
    @Test
    void readsAndAppliesWeightsPbModels(@TempDir Path tmp) throws Exception {
        Path src = Fixtures.tinySdExternal(), dir = tmp.resolve("compvis");
        Files.createDirectories(dir);
        for (String part : List.of("text_encoder", "tokenizer", "vae_decoder", "scheduler")) {
            Files.createSymbolicLink(dir.resolve(part), src.resolve(part).toRealPath());
        }
        Files.createDirectories(dir.resolve("unet"));
        Files.createSymbolicLink(dir.resolve("unet/weights.pb"), src.resolve("unet/model.onnx_data").toRealPath());
        OnnxMl.ModelProto.Builder b = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(src.resolve("unet/model.onnx"))).toBuilder();
        for (OnnxMl.TensorProto.Builder t : b.getGraphBuilder().getInitializerBuilderList()) {
            for (OnnxMl.StringStringEntryProto.Builder kv : t.getExternalDataBuilderList()) {
                if (kv.getKey().equals("location")) kv.setValue("weights.pb");
            }
        }
        try (OutputStream os = Files.newOutputStream(dir.resolve("unet/model.onnx"))) {
            b.build().writeTo(os);
        }
        StableDiffusionModel model = StableDiffusionModel.open(dir), optimum = StableDiffusionModel.open(src);
        assertTrue(model.layout().startsWith("CompVis onnx branch"), model.layout());
        assertTrue(model.layers().getFirst().location().startsWith("external: weights.pb @ "), model.layers().getFirst().location());
        List<LayerWeights> a = model.readWeights(), c = optimum.readWeights();
        for (int i = 0; i < a.size(); i++) assertArrayEquals(c.get(i).w().data(), a.get(i).w().data());
        assertEquals(optimum.fingerprint(), model.fingerprint());
        Edit edit;
        try (Engine engine = TestEngines.open(dir, Backend.JAVA, tmp.resolve("cache"))) {
            edit = engine.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
        }
        Path out = tmp.resolve("edited");
        EditedModelWriter.write(model, edit.overrides(), out);
        assertTrue(Files.exists(out.resolve("unet/weights.pb")), "external data linked, not copied");
        StableDiffusionModel edited = StableDiffusionModel.open(out);
        assertArrayEquals(edit.overrides().layers().getFirst().w().data(), edited.readWeights().getFirst().w().data());
    }
}
