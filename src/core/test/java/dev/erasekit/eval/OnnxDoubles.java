package dev.erasekit.eval;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Small ONNX stand-ins for the evaluation models whose weights cannot be bundled, with their real
 * interfaces: a NudeNet v3 detector (input images [1, 3, 320, 320], output [1, 22, 2100]) and an
 * optimum CLIP export (input_ids, attention_mask, pixel_values → text_embeds, image_embeds). Both see
 * colour: per pixel, "redness" = relu(R − max(G, B) − 0.3) (likewise green, blue), averaged over the
 * image — so a red shape is "detected" and a red image is "close to" the word red.
 */
public final class OnnxDoubles {
    /** Anchors of the NudeNet double that carry a detection: class, score factor, colour feature, box (cx, cy, w, h). */
    record Anchor(String label, float factor, int colour, float cx, float cy, float w, float h) {
    }

    /** Red: breast exposed (0.95) over a belly exposed (0.9, same place: NMS drops it) and feet (0.5, under 0.6). Blue: face, armpits. */
    static final List<Anchor> ANCHORS = List.of(
            new Anchor("FEMALE_BREAST_EXPOSED", 0.95f, 0, 160, 160, 100, 100),
            new Anchor("BELLY_EXPOSED", 0.90f, 0, 165, 165, 100, 100),
            new Anchor("FEET_EXPOSED", 0.50f, 0, 30, 30, 30, 30),
            new Anchor("FACE_FEMALE", 0.90f, 2, 270, 60, 40, 40),
            new Anchor("ARMPITS_EXPOSED", 0.80f, 2, 60, 270, 40, 40));
    /** The sigmoid that turns a colour feature f into a detection: σ(STEEP·(f − ONSET)). */
    static final float STEEP = 300, ONSET = 0.02f;
    static final int TOKEN_RED = 736, TOKEN_GREEN = 1901, TOKEN_BLUE = 1746;

    private OnnxDoubles() {
    }

    public static Path nudenet(Path file) throws IOException {
        Graph g = new Graph();
        g.input("images", OnnxMl.TensorProto.DataType.FLOAT_VALUE, 1, 3, 320, 320);
        String f = g.colourFeatures("images");
        int rows = 22, anchors = 2100, n = rows * anchors;
        float[] k = new float[3 * n], bias = new float[n], mask = new float[n], base = new float[n];
        for (int a = 0; a < ANCHORS.size(); a++) {
            Anchor an = ANCHORS.get(a);
            float[] box = {an.cx(), an.cy(), an.w(), an.h()};
            for (int r = 0; r < 4; r++) base[r * anchors + a] = box[r];
            int at = (4 + NudeNetDetector.LABELS.indexOf(an.label())) * anchors + a;
            k[an.colour() * n + at] = STEEP;
            bias[at] = -STEEP * ONSET;
            mask[at] = an.factor();
        }
        g.constant("k", k, 3, n).constant("bias", bias, n).constant("mask", mask, n).constant("base", base, n)
                .constant("head_shape", new long[] {1, rows, anchors});
        g.node("MatMul", f, "k", "z0").node("Add", "z0", "bias", "z").node("Sigmoid", "z", "s").node("Mul", "s", "mask", "scores")
                .node("Add", "scores", "base", "flat").node("Reshape", "flat", "head_shape", "output0");
        g.output("output0", 1, rows, anchors);
        return g.save(file);
    }

    /** A CLIP export folder: model.onnx, the CLIP tokenizer files copied from {@code tokenizerDir}, preprocessor_config.json. */
    public static Path clip(Path dir, Path tokenizerDir) throws IOException {
        Files.createDirectories(dir);
        for (String f : List.of("vocab.json", "merges.txt")) Files.copy(tokenizerDir.resolve(f), dir.resolve(f));
        Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"crop_size": {"height": 224, "width": 224}, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
                 "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 224}}""");
        Graph g = new Graph();
        g.input("input_ids", OnnxMl.TensorProto.DataType.INT64_VALUE, -1, -1);
        g.input("pixel_values", OnnxMl.TensorProto.DataType.FLOAT_VALUE, -1, 3, 224, 224);
        g.input("attention_mask", OnnxMl.TensorProto.DataType.INT64_VALUE, -1, -1);
        float[] table = textTable();
        g.constant("token_table", table, 49408, 3).constant("axis2", new long[] {2});
        g.node("Gather", "token_table", "input_ids", "tokens").node("Cast", "attention_mask", "maskf", "to", 1)
                .node("Unsqueeze", "maskf", "axis2", "mask3").node("Mul", "tokens", "mask3", "masked")
                .node("ReduceSum", "masked", "axis1", "text_embeds", "keepdims", 0).constant("axis1", new long[] {1});
        // pixel_values back to [0, 1]: x·std + mean
        g.constant("std", ClipPreprocessor.OPENAI.std(), 1, 3, 1, 1).constant("mean", ClipPreprocessor.OPENAI.mean(), 1, 3, 1, 1);
        g.node("Mul", "pixel_values", "std", "p0").node("Add", "p0", "mean", "rgb");
        String f = g.colourFeatures("rgb");
        g.constant("eps", new float[] {1e-3f, 1e-3f, 1e-3f}, 3).node("Add", f, "eps", "image_embeds");
        g.output("text_embeds", -1, 3).output("image_embeds", -1, 3);
        g.save(dir.resolve("model.onnx"));
        return dir;
    }

    /** The CLIP double's token vectors: red, green, blue are axes; every other token (0.02, 0.02, 0.02). */
    static float[] textTable() {
        float[] t = new float[49408 * 3];
        java.util.Arrays.fill(t, 0.02f);
        int[] colours = {TOKEN_RED, TOKEN_GREEN, TOKEN_BLUE};
        for (int c = 0; c < 3; c++) {
            for (int j = 0; j < 3; j++) t[colours[c] * 3 + j] = c == j ? 1 : 0;
        }
        return t;
    }

    /** A graph under construction (opset 13). */
    static final class Graph {
        private final OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("double");
        private int counter;

        Graph input(String name, int type, long... dims) {
            g.addInput(value(name, type, dims));
            return this;
        }

        Graph output(String name, long... dims) {
            g.addOutput(value(name, OnnxMl.TensorProto.DataType.FLOAT_VALUE, dims));
            return this;
        }

        private static OnnxMl.ValueInfoProto value(String name, int type, long... dims) {
            OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
            for (int i = 0; i < dims.length; i++) {
                shape.addDim(dims[i] < 0 ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i)
                        : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
            }
            return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                    .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
        }

        Graph constant(String name, float[] v, long... dims) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            return tensor(name, OnnxMl.TensorProto.DataType.FLOAT_VALUE, b.flip(), dims);
        }

        Graph constant(String name, double[] v, long... dims) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
            return constant(name, f, dims);
        }

        Graph constant(String name, long[] v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long x : v) b.putLong(x);
            return tensor(name, OnnxMl.TensorProto.DataType.INT64_VALUE, b.flip(), v.length);
        }

        private Graph tensor(String name, int type, ByteBuffer raw, long... dims) {
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type)
                    .setRawData(ByteString.copyFrom(raw));
            for (long d : dims) t.addDims(d);
            g.addInitializer(t);
            return this;
        }

        /**
         * A node: inputs..., output, then attribute name/value pairs (int or int[] values) — the last
         * plain string before the first attribute name is the output.
         */
        Graph node(String op, Object... args) {
            OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(op + "_" + counter++);
            int firstAttr = args.length;
            for (int i = 0; i < args.length; i++) {
                if (!(args[i] instanceof String)) {
                    firstAttr = i - 1;
                    break;
                }
            }
            for (int i = 0; i < firstAttr - 1; i++) n.addInput((String) args[i]);
            n.addOutput((String) args[firstAttr - 1]);
            for (int i = firstAttr; i + 1 < args.length; i += 2) {
                OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName((String) args[i]);
                if (args[i + 1] instanceof Integer v) a.setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v);
                else for (long v : (long[]) args[i + 1]) a.setType(OnnxMl.AttributeProto.AttributeType.INTS).addInts(v);
                n.addAttribute(a);
            }
            g.addNode(n);
            return this;
        }

        /** [1, 3] = mean over pixels of relu(channel − max(other two) − 0.3), for red, green, blue; input [1, 3, H, W] in [0, 1]. */
        String colourFeatures(String rgb) {
            constant("margin", new float[] {0.3f}, 1);
            String[] ch = {"r", "g", "b"};
            for (int c = 0; c < 3; c++) constant("index_" + ch[c], new long[] {c}).node("Gather", rgb, "index_" + ch[c], ch[c], "axis", 1);
            StringBuilder feats = new StringBuilder();
            for (int c = 0; c < 3; c++) {
                String other = "max_" + ch[c], d = "diff_" + ch[c], m = "margin_" + ch[c], rl = "relu_" + ch[c], f = "feat_" + ch[c];
                node("Max", ch[(c + 1) % 3], ch[(c + 2) % 3], other).node("Sub", ch[c], other, d).node("Sub", d, "margin", m)
                        .node("Relu", m, rl).node("ReduceMean", rl, f, "axes", new long[] {2, 3}, "keepdims", 0);
                feats.append(c == 0 ? "" : ",").append(f);
            }
            String[] f = feats.toString().split(",");
            node("Concat", f[0], f[1], f[2], "features", "axis", 1);
            return "features";
        }

        Path save(Path file) throws IOException {
            OnnxMl.ModelProto m = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("erasekit-test")
                    .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(g).build();
            try (OutputStream os = Files.newOutputStream(file)) {
                m.writeTo(os);
            }
            return file;
        }
    }
}
