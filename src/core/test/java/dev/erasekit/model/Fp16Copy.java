package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * An fp16 copy of a test model folder, as optimum's {@code --fp16} export makes one: every float
 * tensor of the UNet, text encoder and VAE decoder graphs — initializers, Constant values, graph
 * inputs, outputs and value infos, Cast targets — becomes float16, except Resize's roi and scales
 * (ONNX requires float32 there). The other files are copied. ONNX Runtime's CPU provider runs such
 * graphs (casting around the kernels it lacks in fp16).
 */
final class Fp16Copy {
    private static final int FLOAT = 1, FLOAT16 = 10;

    private Fp16Copy() {
    }

    static Path of(Path model, Path out) throws IOException {
        try (Stream<Path> files = Files.walk(model)) {
            for (Path p : files.toList()) {
                Path target = out.resolve(model.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (p.getFileName().toString().equals("model.onnx")) {
                    convert(p, target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return out;
    }

    private static void convert(Path in, Path out) throws IOException {
        OnnxMl.ModelProto.Builder m;
        try (InputStream s = Files.newInputStream(in)) {
            m = OnnxMl.ModelProto.parseFrom(s).toBuilder();
        }
        OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
        Set<String> keepFloat = new HashSet<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Resize")) {
                for (int i = 1; i < Math.min(3, n.getInputCount()); i++) keepFloat.add(n.getInput(i));
            }
        }
        for (OnnxMl.TensorProto.Builder t : g.getInitializerBuilderList()) {
            if (!keepFloat.contains(t.getName())) toHalf(t);
        }
        for (OnnxMl.NodeProto.Builder n : g.getNodeBuilderList()) {
            boolean keep = n.getOutputList().stream().anyMatch(keepFloat::contains);
            for (OnnxMl.AttributeProto.Builder a : n.getAttributeBuilderList()) {
                if (a.hasT() && !keep) toHalf(a.getTBuilder());
                if (n.getOpType().equals("Cast") && a.getName().equals("to") && a.getI() == FLOAT) a.setI(FLOAT16);
            }
        }
        for (List<OnnxMl.ValueInfoProto.Builder> infos : List.of(g.getInputBuilderList(), g.getOutputBuilderList(),
                g.getValueInfoBuilderList())) {
            for (OnnxMl.ValueInfoProto.Builder v : infos) {
                OnnxMl.TypeProto.Tensor.Builder t = v.getTypeBuilder().getTensorTypeBuilder();
                if (t.getElemType() == FLOAT && !keepFloat.contains(v.getName())) t.setElemType(FLOAT16);
            }
        }
        try (OutputStream s = Files.newOutputStream(out)) {
            m.build().writeTo(s);
        }
    }

    private static void toHalf(OnnxMl.TensorProto.Builder t) {
        if (t.getDataType() != FLOAT) return;
        float[] v;
        if (t.getFloatDataCount() > 0) {
            v = new float[t.getFloatDataCount()];
            for (int i = 0; i < v.length; i++) v[i] = t.getFloatData(i);
        } else {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            v = new float[b.remaining() / 4];
            for (int i = 0; i < v.length; i++) v[i] = b.getFloat();
        }
        ByteBuffer half = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) half.putShort(Float.floatToFloat16(x));
        t.clearFloatData().setDataType(FLOAT16).setRawData(ByteString.copyFrom(half.flip()));
    }
}
