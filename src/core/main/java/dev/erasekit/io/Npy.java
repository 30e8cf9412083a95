package dev.erasekit.io;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} arrays (format versions 1–3, C order, little-endian f4/f8/i4/i8), so initial
 * latents and reference tensors can be exchanged with Python tools. Written by hand: the format is
 * a 10-byte preamble and a Python-dict header, smaller than any dependency that reads it.
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 */
public record Npy(String dtype, long[] shape, ByteBuffer data) {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    public static Npy read(Path file) {
        try {
            return parse(file, ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Npy parse(Path file, ByteBuffer b) {
        byte[] magic = new byte[6];
        if (b.remaining() < 10) throw bad(file, "too short");
        b.get(magic);
        if (!Arrays.equals(magic, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'})) throw bad(file, "no NUMPY magic");
        int major = b.get();
        b.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        if (headerLen < 0 || headerLen > b.remaining()) throw bad(file, "header length " + headerLen);
        byte[] h = new byte[headerLen];
        b.get(h);
        String header = new String(h, major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header), o = ORDER.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) throw bad(file, "header " + header.trim());
        if (o.group(1).equals("True")) throw bad(file, "Fortran-order arrays are not supported");
        String dtype = d.group(1);
        if (!dtype.matches("[<|](f4|f8|i4|i8|u1|b1)")) throw bad(file, "dtype " + dtype + " (need little-endian f4, f8, i4 or i8)");
        long[] shape = Arrays.stream(s.group(1).split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        ByteBuffer data = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (data.remaining() < count * itemSize(dtype)) throw bad(file, "truncated data");
        return new Npy(dtype.substring(1), shape, data);
    }

    private static int itemSize(String dtype) {
        return Integer.parseInt(dtype.substring(2));
    }

    private static ErasekitException bad(Path file, String why) {
        return new CorruptFileException(file + " is not a valid .npy file: " + why);
    }

    public long count() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    public float[] floats() {
        int n = Math.toIntExact(count());
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case "f4" -> data.getFloat(i * 4);
                case "f8" -> (float) data.getDouble(i * 8);
                case "i4" -> data.getInt(i * 4);
                case "i8" -> data.getLong(i * 8);
                default -> throw new CorruptFileException("cannot read " + dtype + " as float");
            };
        }
        return out;
    }

    public double[] doubles() {
        if (!dtype.equals("f8")) {
            float[] f = floats();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) out[i] = f[i];
            return out;
        }
        double[] out = new double[Math.toIntExact(count())];
        for (int i = 0; i < out.length; i++) out[i] = data.getDouble(i * 8);
        return out;
    }

    public long[] longs() {
        int n = Math.toIntExact(count());
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case "i8" -> data.getLong(i * 8);
                case "i4" -> data.getInt(i * 4);
                default -> throw new CorruptFileException("cannot read " + dtype + " as integers");
            };
        }
        return out;
    }

    /** Writes a float32 array (C order) as .npy version 1. */
    public static void writeFloats(Path file, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        write(file, "<f4", shape, b.array());
    }

    /** Writes a float64 array (C order) as .npy version 1. */
    public static void writeDoubles(Path file, long[] shape, double[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putDouble(v);
        write(file, "<f8", shape, b.array());
    }

    private static void write(Path file, String descr, long[] shape, byte[] data) {
        StringBuilder dims = new StringBuilder();
        for (long s : shape) dims.append(s).append(", ");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + (shape.length == 1 ? dims : dims.substring(0, Math.max(0, dims.length() - 2))) + "), }";
        int pad = 64 - (10 + dict.length() + 1) % 64;
        String header = dict + " ".repeat(pad % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.ISO_8859_1));
        b.put(data);
        AtomicFiles.write(file, tmp -> Files.write(tmp, b.array()));
    }
}
