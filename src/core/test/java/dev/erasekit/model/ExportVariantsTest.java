package dev.erasekit.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.Fixtures;
import dev.erasekit.TestEngines;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer discovery on export forms the fixtures do not ship, made by rewriting the tiny-sd graph:
 * stripped node names (names then come from the UNet config's order), fp16 weights, a Gemm with
 * transB = 1, and a MatMul fed through a Transpose node. Structure only: these graphs are not run.
 */
class ExportVariantsTest {
    @TempDir
    Path tmp;

    private final StableDiffusionModel original = StableDiffusionModel.open(Fixtures.tinySd());

    private Path variant(Consumer<OnnxMl.GraphProto.Builder> change) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "variant");
        for (String part : List.of("text_encoder", "tokenizer", "vae_decoder", "scheduler")) {
            Files.createSymbolicLink(dir.resolve(part), Fixtures.tinySd().resolve(part).toRealPath());
        }
        Files.createDirectories(dir.resolve("unet"));
        Files.createSymbolicLink(dir.resolve("unet/config.json"), Fixtures.tinySd().resolve("unet/config.json").toRealPath());
        OnnxMl.ModelProto.Builder b = original.unet().proto().toBuilder();
        change.accept(b.getGraphBuilder());
        try (OutputStream os = Files.newOutputStream(dir.resolve("unet/model.onnx"))) {
            b.build().writeTo(os);
        }
        return dir;
    }

    private static OnnxMl.TensorProto.Builder initializer(OnnxMl.GraphProto.Builder g, String name) {
        return g.getInitializerBuilderList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void strippedNodeNamesFallBackToTheConfigOrder() throws IOException {
        Path dir = variant(g -> g.getNodeBuilderList().forEach(OnnxMl.NodeProto.Builder::clearName));
        StableDiffusionModel m = StableDiffusionModel.open(dir);
        for (int i = 0; i < m.layers().size(); i++) {
            assertEquals(original.layers().get(i).diffusersName(), m.layers().get(i).diffusersName());
            assertEquals(original.layers().get(i).initializer(), m.layers().get(i).initializer());
        }
    }

    @Test
    void fp16WeightsAreReadAndWrittenBackAsFp16() throws IOException {
        Path dir = variant(g -> {
            for (CrossAttentionLayer l : original.layers()) {
                OnnxMl.TensorProto.Builder t = initializer(g, l.initializer());
                ByteBuffer src = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                ByteBuffer half = ByteBuffer.allocate(src.remaining() / 2).order(ByteOrder.LITTLE_ENDIAN);
                while (src.hasRemaining()) half.putShort(Float.floatToFloat16(src.getFloat()));
                t.setDataType(TensorData.FLOAT16).setRawData(ByteString.copyFrom(half.flip()));
            }
        });
        StableDiffusionModel m = StableDiffusionModel.open(dir);
        List<LayerWeights> w = m.readWeights(), w32 = original.readWeights();
        for (int i = 0; i < w.size(); i++) {
            assertEquals(DType.FP16, w.get(i).dtype());
            float[] rounded = w32.get(i).w().data().clone();
            for (int k = 0; k < rounded.length; k++) rounded[k] = DType.FP16.round(rounded[k]);
            assertArrayEquals(rounded, w.get(i).w().data());
        }
        Edit edit;
        try (Engine engine = TestEngines.open(dir, Backend.JAVA, tmp.resolve("cache"))) {
            edit = engine.erase(EraseRequest.builder().concept("nudity").target(" ").build()).edit();
        }
        assertEquals(DType.FP16, edit.overrides().layers().getFirst().dtype());
        Path out = tmp.resolve("fp16-edited");
        EditedModelWriter.write(m, edit.overrides(), out);
        StableDiffusionModel edited = StableDiffusionModel.open(out);
        assertEquals(TensorData.FLOAT16, edited.unet().initializers().get(edited.layers().getFirst().initializer()).getDataType());
        assertArrayEquals(edit.overrides().layers().getFirst().w().data(), edited.readWeights().getFirst().w().data());
    }

    @Test
    void gemmWithTransBAndTransposeNodes() throws IOException {
        CrossAttentionLayer asGemm = original.layers().get(0), viaTranspose = original.layers().get(7);
        Path dir = variant(g -> {
            for (OnnxMl.NodeProto.Builder n : g.getNodeBuilderList()) {
                if (n.getName().equals(asGemm.node())) {
                    // Gemm(x, W[out, in], transB = 1): weight stored in PyTorch layout
                    transposeInPlace(initializer(g, asGemm.initializer()));
                    n.setOpType("Gemm").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("transB").setI(1)
                            .setType(OnnxMl.AttributeProto.AttributeType.INT));
                } else if (n.getName().equals(viaTranspose.node())) {
                    transposeInPlace(initializer(g, viaTranspose.initializer()));
                    n.setInput(1, "transposed_weight");
                }
            }
            g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Transpose").setName("t")
                    .addInput(viaTranspose.initializer()).addOutput("transposed_weight"));
        });
        StableDiffusionModel m = StableDiffusionModel.open(dir);
        List<LayerWeights> got = m.readWeights(), want = original.readWeights();
        assertFalse(m.layers().get(0).transposed());
        assertFalse(m.layers().get(7).transposed());
        assertTrue(m.layers().get(1).transposed());
        for (int i = 0; i < got.size(); i++) assertArrayEquals(want.get(i).w().data(), got.get(i).w().data(), "layer " + i);
    }

    private static void transposeInPlace(OnnxMl.TensorProto.Builder t) {
        int rows = (int) t.getDims(0), cols = (int) t.getDims(1);
        ByteBuffer src = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = src.getFloat();
        ByteBuffer out = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < cols; j++) for (int i = 0; i < rows; i++) out.putFloat(v[i * cols + j]);
        t.setRawData(ByteString.copyFrom(out.flip())).setDims(0, cols).setDims(1, rows);
    }
}
