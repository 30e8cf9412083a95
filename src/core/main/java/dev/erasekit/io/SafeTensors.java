package dev.erasekit.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.tensor.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header with
 * {@code __metadata__} and one {dtype, shape, data_offsets} entry per tensor, then the raw
 * little-endian data): F32, F16 and BF16 tensors as float values, F64 ones as doubles. Written by
 * hand: the format is this small, and the Java libraries for it are either unmaintained or part of a
 * whole deep-learning stack. Files are written atomically ({@link AtomicFiles}); metadata keys are
 * written sorted, so the same content gives the same bytes.
 * Stateless; thread-safe.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One stored tensor. */
    public sealed interface Stored {
        String name();

        long[] shape();
    }

    /** A float tensor: values as fp32, stored as {@code dtype}. */
    public record Tensor(String name, DType dtype, long[] shape, float[] values) implements Stored {
    }

    /** A float64 tensor. */
    public record F64Tensor(String name, long[] shape, double[] values) implements Stored {
    }

    /** A read file: its metadata and tensors, in file order. */
    public record Contents(Map<String, String> metadata, List<Stored> stored) {
        /** The float tensors (F32/F16/BF16), in file order. */
        public List<Tensor> tensors() {
            return stored.stream().filter(Tensor.class::isInstance).map(Tensor.class::cast).toList();
        }

        public Tensor tensor(String name) {
            return tensors().stream().filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow(() -> new CorruptFileException("no float tensor " + name));
        }

        public F64Tensor doubles(String name) {
            return stored.stream().filter(t -> t.name().equals(name) && t instanceof F64Tensor).map(F64Tensor.class::cast)
                    .findFirst().orElseThrow(() -> new CorruptFileException("no F64 tensor " + name));
        }
    }

    private SafeTensors() {
    }

    /** Writes {@code file} atomically (a temporary sibling renamed into place: no partial file on failure). */
    public static void write(Path file, Map<String, String> metadata, List<? extends Stored> tensors) {
        ObjectNode header = JSON.createObjectNode();
        header.set("__metadata__", JSON.valueToTree(new TreeMap<>(metadata)));
        long offset = 0;
        for (Stored t : tensors) {
            long bytes = count(t) * elementBytes(t);
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t instanceof Tensor f ? f.dtype().safetensorsName() : "F64");
            var shape = e.putArray("shape");
            for (long s : t.shape()) shape.add(s);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8;
        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(json);
                while (head.hasRemaining()) head.put((byte) ' ');
                writeFully(ch, head.flip());
                for (Stored t : tensors) writeFully(ch, encode(t));
            }
        });
    }

    private static long count(Stored t) {
        return t instanceof Tensor f ? f.values().length : ((F64Tensor) t).values().length;
    }

    private static int elementBytes(Stored t) {
        return t instanceof Tensor f ? f.dtype().bytes() : 8;
    }

    private static ByteBuffer encode(Stored t) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count(t) * elementBytes(t))).order(ByteOrder.LITTLE_ENDIAN);
        switch (t) {
            case Tensor f -> {
                if (f.dtype() == DType.FP32) {
                    b.asFloatBuffer().put(f.values()); // bulk: the same little-endian bytes
                    return b;
                }
                for (float v : f.values()) f.dtype().put(b, v);
            }
            case F64Tensor d -> {
                b.asDoubleBuffer().put(d.values());
                return b;
            }
        }
        return b.flip();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Reads a whole (small) file: edits, embeddings, cache entries. */
    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            SafeTensorsHeader h = SafeTensorsHeader.read(file, ch);
            List<Stored> out = new ArrayList<>();
            for (SafeTensorsHeader.Entry e : h.entries()) {
                DType dtype = DType.ofSafetensors(e.dtype());
                if (dtype == null && !e.dtype().equals("F64")) {
                    throw SafeTensorsHeader.bad(file, "tensor " + e.name() + " has dtype '" + e.dtype()
                            + "' (erasekit reads F32, F16, BF16 and F64)");
                }
                if (e.bytes() > Integer.MAX_VALUE) throw SafeTensorsHeader.bad(file, "tensor " + e.name() + " is too large");
                ByteBuffer b = ByteBuffer.allocate((int) e.bytes()).order(ByteOrder.LITTLE_ENDIAN);
                SafeTensorsHeader.readFully(ch, b, h.dataStart() + e.begin());
                b.flip();
                int n = Math.toIntExact(e.count());
                if (dtype != null) {
                    float[] v = new float[n];
                    if (dtype == DType.FP32) b.asFloatBuffer().get(v); // bulk little-endian reads
                    else for (int i = 0; i < n; i++) v[i] = dtype.get(b, i);
                    out.add(new Tensor(e.name(), dtype, e.shape(), v));
                } else {
                    double[] v = new double[n];
                    b.asDoubleBuffer().get(v);
                    out.add(new F64Tensor(e.name(), e.shape(), v));
                }
            }
            return new Contents(h.metadata(), out);
        } catch (NoSuchFileException e) {
            throw new CorruptFileException("file not found: " + file);
        } catch (IOException e) {
            throw new CorruptFileException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
