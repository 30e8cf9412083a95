package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads an initializer's values as fp32, wherever ONNX keeps them: {@code raw_data},
 * {@code float_data}, {@code int32_data} (fp16 bit patterns), or external data (a byte range of
 * another file, memory-mapped so only the tensors read are paged in).
 * Stateless; thread-safe.
 */
public final class TensorData {
    public static final int FLOAT = 1, FLOAT16 = 10;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private TensorData() {
    }

    public static DType dtype(OnnxMl.TensorProto t) {
        return switch (t.getDataType()) {
            case FLOAT -> DType.FP32;
            case FLOAT16 -> DType.FP16;
            default -> throw new CorruptFileException("initializer " + t.getName() + " has ONNX data type " + t.getDataType()
                    + "; erasekit edits fp32 (1) and fp16 (10) weights");
        };
    }

    public static long count(OnnxMl.TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) n *= d;
        return n;
    }

    public static boolean isExternal(OnnxMl.TensorProto t) {
        return t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    }

    /** "inline" or "external: FILE @ offset (length bytes)". */
    public static String describeLocation(OnnxMl.TensorProto t) {
        if (!isExternal(t)) return "inline";
        External e = External.of(t);
        return "external: " + e.location + " @ " + e.offset + " (" + e.length + " bytes)";
    }

    /** The values, in the initializer's own (ONNX) layout, as fp32. */
    public static float[] floats(OnnxMl.TensorProto t, Path modelDir) {
        DType dtype = dtype(t);
        int n = Math.toIntExact(count(t));
        int elem = dtype == DType.FP32 ? 4 : 2;
        if (isExternal(t)) {
            External e = External.of(t);
            long length = e.length >= 0 ? e.length : (long) n * elem;
            if (length != (long) n * elem) {
                throw new CorruptFileException("initializer " + t.getName() + ": external length " + length + " ≠ " + n * elem);
            }
            Path file = modelDir.resolve(e.location).normalize();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
                if (e.offset + length > ch.size()) {
                    throw new CorruptFileException(file + " is truncated: " + t.getName() + " needs bytes up to "
                            + (e.offset + length) + ", the file has " + ch.size());
                }
                return decode(ch.map(FileChannel.MapMode.READ_ONLY, e.offset, length, arena), dtype, n);
            } catch (IOException ex) {
                throw new CorruptFileException("cannot read external data " + file + ": " + ex.getMessage(), ex);
            }
        }
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != (long) n * elem) {
                throw new CorruptFileException("initializer " + t.getName() + " has " + t.getRawData().size()
                        + " bytes of raw data, expected " + (long) n * elem);
            }
            return decode(MemorySegment.ofBuffer(t.getRawData().asReadOnlyByteBuffer()), dtype, n);
        }
        float[] out = new float[n];
        if (dtype == DType.FP32 && t.getFloatDataCount() == n) {
            for (int i = 0; i < n; i++) out[i] = t.getFloatData(i);
        } else if (dtype == DType.FP16 && t.getInt32DataCount() == n) {
            for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat((short) t.getInt32Data(i));
        } else {
            throw new CorruptFileException("initializer " + t.getName() + " has no data");
        }
        return out;
    }

    private static float[] decode(MemorySegment bytes, DType dtype, int n) {
        float[] out = new float[n];
        if (dtype == DType.FP32) {
            for (int i = 0; i < n; i++) out[i] = bytes.getAtIndex(F32, i);
        } else {
            for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(bytes.getAtIndex(F16, i));
        }
        return out;
    }

    /** The external_data entries of a tensor. */
    record External(String location, long offset, long length) {
        static External of(OnnxMl.TensorProto t) {
            String location = null;
            long offset = 0, length = -1;
            for (OnnxMl.StringStringEntryProto kv : t.getExternalDataList()) {
                switch (kv.getKey()) {
                    case "location" -> location = kv.getValue();
                    case "offset" -> offset = Long.parseLong(kv.getValue());
                    case "length" -> length = Long.parseLong(kv.getValue());
                    default -> { }
                }
            }
            if (location == null) throw new CorruptFileException("initializer " + t.getName() + " is external but names no file");
            if (Path.of(location).isAbsolute() || location.contains("..")) {
                throw new CorruptFileException("initializer " + t.getName() + " points outside its model folder: " + location);
            }
            return new External(location, offset, length);
        }
    }
}
