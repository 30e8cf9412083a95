package dev.erasekit.io;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.erasekit.ErasekitException;
import dev.erasekit.linalg.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header with
 * {@code __metadata__} and one {dtype, shape, data_offsets} entry per tensor, then the raw
 * little-endian data), for F32 and F16 tensors. Written by hand: the format is this small, and the
 * Java libraries for it are either unmaintained or part of a whole deep-learning stack.
 * Files are written to a temporary sibling and renamed into place, so a failure leaves none behind.
 */
public final class SafeTensors {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The reference implementation refuses headers over 100 MB. */
    private static final long MAX_HEADER = 100_000_000L;

    /** One tensor: values as fp32, stored as {@code dtype}. */
    public record Tensor(String name, DType dtype, long[] shape, float[] values) {
    }

    /** A read file: its metadata and tensors, in file order. */
    public record Contents(Map<String, String> metadata, List<Tensor> tensors) {
        public Tensor tensor(String name) {
            return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
                    .orElseThrow(() -> new ErasekitException("no tensor " + name));
        }
    }

    private SafeTensors() {
    }

    public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.set("__metadata__", JSON.valueToTree(metadata));
        long offset = 0;
        for (Tensor t : tensors) {
            long bytes = (long) t.values().length * (t.dtype() == DType.FP16 ? 2 : 4);
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype() == DType.FP16 ? "F16" : "F32");
            var shape = e.putArray("shape");
            for (long s : t.shape()) shape.add(s);
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(padded).put(json);
            while (head.hasRemaining()) head.put((byte) ' ');
            ch.write(head.flip());
            for (Tensor t : tensors) {
                boolean half = t.dtype() == DType.FP16;
                ByteBuffer b = ByteBuffer.allocate(t.values().length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    if (half) b.putShort(Float.floatToFloat16(v));
                    else b.putFloat(v);
                }
                ch.write(b.flip());
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(file, "shorter than its 8-byte header length");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long n = len.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || 8 + n > size) throw bad(file, "header length " + n + " does not fit the file");
            ByteBuffer h = ByteBuffer.allocate((int) n);
            ch.read(h, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(h.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "header is not JSON");
            }
            if (header == null || !header.isObject()) throw bad(file, "header is not a JSON object");
            Map<String, String> meta = header.has("__metadata__")
                    ? JSON.convertValue(header.get("__metadata__"), new TypeReference<LinkedHashMap<String, String>>() { })
                    : Map.of();
            long dataStart = 8 + n;
            List<Tensor> tensors = new ArrayList<>();
            for (var it = header.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                tensors.add(tensor(file, ch, dataStart, size, e.getKey(), e.getValue()));
            }
            return new Contents(meta, tensors);
        } catch (NoSuchFileException e) {
            throw new ErasekitException("edit file not found: " + file);
        } catch (IOException e) {
            throw new ErasekitException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Tensor tensor(Path file, FileChannel ch, long dataStart, long size, String name, JsonNode e)
            throws IOException {
        String dt = e.path("dtype").asText();
        DType dtype = switch (dt) {
            case "F32" -> DType.FP32;
            case "F16" -> DType.FP16;
            default -> throw bad(file, "tensor " + name + " has dtype '" + dt + "' (erasekit reads F32 and F16)");
        };
        long[] shape = new long[e.path("shape").size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) count *= shape[i] = e.path("shape").get(i).asLong();
        long begin = e.path("data_offsets").path(0).asLong(-1), end = e.path("data_offsets").path(1).asLong(-1);
        int elem = dtype == DType.FP16 ? 2 : 4;
        if (begin < 0 || end - begin != count * elem || dataStart + end > size) {
            throw bad(file, "tensor " + name + " has offsets [" + begin + ", " + end + ") that do not match its shape or the file");
        }
        ByteBuffer b = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(b, dataStart + begin);
        b.flip();
        float[] v = new float[(int) count];
        for (int i = 0; i < v.length; i++) v[i] = dtype == DType.FP16 ? Float.float16ToFloat(b.getShort()) : b.getFloat();
        return new Tensor(name, dtype, shape, v);
    }

    private static ErasekitException bad(Path file, String why) {
        return new ErasekitException(file + " is not a valid safetensors file: " + why);
    }
}
