package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed ONNX model file (tribuo-util-onnx's protobuf classes): its graph, initializers by name,
 * and the folder its external data paths are relative to.
 * Immutable once loaded; thread-safe.
 */
public final class OnnxModel {
    private final Path file;
    private final OnnxMl.ModelProto proto;
    private final Map<String, OnnxMl.TensorProto> initializers = new LinkedHashMap<>();

    private OnnxModel(Path file, OnnxMl.ModelProto proto) {
        this.file = file;
        this.proto = proto;
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) initializers.put(t.getName(), t);
    }

    /** Parses {@code file}; a missing, truncated or non-ONNX file is one clear error. */
    public static OnnxModel read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(coded);
            if (!proto.hasGraph() || proto.getGraph().getNodeCount() == 0) {
                throw new CorruptFileException(file + " is not an ONNX model (no graph)");
            }
            return new OnnxModel(file, proto);
        } catch (NoSuchFileException e) {
            throw new CorruptFileException("missing " + file);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptFileException(file + " is not a valid ONNX model (truncated or corrupt: " + e.getMessage() + ")");
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** The folder external-data locations are relative to. */
    public Path dir() {
        return file.toAbsolutePath().getParent();
    }

    public OnnxMl.ModelProto proto() {
        return proto;
    }

    public OnnxMl.GraphProto graph() {
        return proto.getGraph();
    }

    public Map<String, OnnxMl.TensorProto> initializers() {
        return initializers;
    }

    /** The declared dims of a graph input (−1 for symbolic ones), or null when there is no such input. */
    public int[] inputDims(String name) {
        for (OnnxMl.ValueInfoProto v : graph().getInputList()) {
            if (!v.getName().equals(name)) continue;
            var dims = v.getType().getTensorType().getShape().getDimList();
            int[] out = new int[dims.size()];
            for (int i = 0; i < out.length; i++) out[i] = dims.get(i).hasDimValue() ? (int) dims.get(i).getDimValue() : -1;
            return out;
        }
        return null;
    }

    public List<String> inputNames() {
        return graph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName).toList();
    }
}
