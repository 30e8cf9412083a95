package dev.erasekit.io;

import dev.erasekit.error.ErasekitException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One cache entry (an embedding, a Σ WᵀW): a safetensors file holding one tensor, the key it was
 * made for and the SHA-256 of its values. An entry is used only when all of that checks out —
 * format, key, dtype, shape, finite values and the checksum — so a truncated, edited or foreign file
 * is reported as {@link Lookup.Bad} and recomputed, never trusted.
 * Stateless; thread-safe.
 */
public final class CacheFile {
    static final String FORMAT = "erasekit-cache/1";

    /** The result of reading an entry. */
    public sealed interface Lookup<T> {
        /** A valid entry. */
        record Hit<T>(T values) implements Lookup<T> {
        }

        /** No entry. */
        record Miss<T>() implements Lookup<T> {
        }

        /** An entry that cannot be used, and why. */
        record Bad<T>(String reason) implements Lookup<T> {
        }
    }

    private CacheFile() {
    }

    public static void writeFloats(Path file, String key, long[] shape, float[] values) {
        write(file, key, List.of(new SafeTensors.Tensor("value", dev.erasekit.tensor.DType.FP32, shape, values)), sha(values));
    }

    public static void writeDoubles(Path file, String key, long[] shape, double[] values) {
        write(file, key, List.of(new SafeTensors.F64Tensor("value", shape, values)), sha(values));
    }

    private static void write(Path file, String key, List<SafeTensors.Stored> tensor, String sha) {
        try {
            Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw AtomicFiles.writeFailure(file, e);
        }
        SafeTensors.write(file, Map.of("format", FORMAT, "key", key, "sha256", sha), tensor);
    }

    public static Lookup<float[]> readFloats(Path file, String key, long[] shape) {
        return read(file, key, shape, true);
    }

    public static Lookup<double[]> readDoubles(Path file, String key, long[] shape) {
        return read(file, key, shape, false);
    }

    @SuppressWarnings("unchecked")
    private static <T> Lookup<T> read(Path file, String key, long[] shape, boolean floats) {
        if (!Files.exists(file)) return new Lookup.Miss<>();
        SafeTensors.Contents c;
        try {
            c = SafeTensors.read(file);
        } catch (ErasekitException e) {
            return new Lookup.Bad<>(e.getMessage());
        }
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) return new Lookup.Bad<>("not an " + FORMAT + " entry");
        if (!key.equals(meta.get("key"))) return new Lookup.Bad<>("made for another key (" + meta.get("key") + ")");
        if (c.stored().size() != 1) return new Lookup.Bad<>("holds " + c.stored().size() + " tensors, not 1");
        SafeTensors.Stored s = c.stored().getFirst();
        if (!Arrays.equals(s.shape(), shape)) {
            return new Lookup.Bad<>("shape " + Arrays.toString(s.shape()) + ", expected " + Arrays.toString(shape));
        }
        Object values;
        String sum;
        if (floats) {
            if (!(s instanceof SafeTensors.Tensor t) || t.dtype() != dev.erasekit.tensor.DType.FP32) {
                return new Lookup.Bad<>("not float32");
            }
            for (float v : t.values()) if (!Float.isFinite(v)) return new Lookup.Bad<>("holds non-finite values");
            values = t.values();
            sum = sha(t.values());
        } else {
            if (!(s instanceof SafeTensors.F64Tensor t)) return new Lookup.Bad<>("not float64");
            for (double v : t.values()) if (!Double.isFinite(v)) return new Lookup.Bad<>("holds non-finite values");
            values = t.values();
            sum = sha(t.values());
        }
        if (!sum.equals(meta.get("sha256"))) return new Lookup.Bad<>("its values do not match its checksum (modified or damaged)");
        return new Lookup.Hit<>((T) values);
    }

    static String sha(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return hex(b.array());
    }

    static String sha(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        return hex(b.array());
    }

    /** SHA-256 of bytes, as 64 hex digits. */
    public static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
