package dev.erasekit.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file (8-byte little-endian length, then a JSON object: {@code __metadata__}
 * with string values, and one {dtype, shape, data_offsets} entry per tensor), checked against the file
 * size so that every entry's byte range lies inside the data section. Shared by the small-file reader
 * ({@link SafeTensors}) and streaming readers of multi-gigabyte checkpoints.
 * Immutable; thread-safe.
 *
 * @param dataStart the file offset where the data section (and offset 0 of every entry) begins
 * @param entries   the tensors in header order
 */
public record SafeTensorsHeader(Path file, long headerLength, long dataStart, Map<String, String> metadata,
                                List<Entry> entries) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The reference implementation refuses headers over 100 MB. */
    private static final long MAX_HEADER = 100_000_000L;

    /** One tensor's place: dtype name as the file spells it (F32, F16, BF16, F64, I64, …), shape, byte range in the data section. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long count() {
            long n = 1;
            for (long s : shape) n = Math.multiplyExact(n, s);
            return n;
        }

        public long bytes() {
            return end - begin;
        }
    }

    public Entry entry(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new CorruptFileException(file + " has no tensor " + name));
    }

    /** Reads and checks the header of an open file. */
    public static SafeTensorsHeader read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) throw bad(file, "shorter than its 8-byte header length");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long n = len.flip().getLong();
        if (n <= 0 || n > MAX_HEADER || 8 + n > size) throw bad(file, "header length " + n + " does not fit the file");
        ByteBuffer h = ByteBuffer.allocate((int) n);
        readFully(ch, h, 8);
        JsonNode header;
        try {
            header = JSON.readTree(h.array()); // from the bytes (Jackson's UTF-8 parser), no String copy of a header that can hold a 6 MB factor
        } catch (IOException e) {
            throw bad(file, "header is not JSON");
        }
        if (header == null || !header.isObject()) throw bad(file, "header is not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = header.get("__metadata__");
        if (m != null) {
            if (!m.isObject()) throw bad(file, "__metadata__ is not a JSON object");
            for (var it = m.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isTextual()) {
                    throw bad(file, "__metadata__ value of '" + e.getKey() + "' is not a string (safetensors metadata holds strings only)");
                }
                meta.put(e.getKey(), e.getValue().asText());
            }
        }
        long dataStart = 8 + n, dataSize = size - dataStart;
        List<Entry> entries = new ArrayList<>();
        for (var it = header.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            entries.add(entry(file, e.getKey(), e.getValue(), dataSize));
        }
        return new SafeTensorsHeader(file, n, dataStart, meta, List.copyOf(entries));
    }

    private static Entry entry(Path file, String name, JsonNode e, long dataSize) {
        if (!e.isObject() || !e.path("dtype").isTextual() || !e.path("shape").isArray() || !e.path("data_offsets").isArray()
                || e.path("data_offsets").size() != 2) {
            throw bad(file, "tensor " + name + " has no dtype, shape and data_offsets");
        }
        String dtype = e.get("dtype").asText();
        long[] shape = new long[e.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = e.get("shape").get(i);
            if (!s.canConvertToLong() || s.asLong() < 0) throw bad(file, "tensor " + name + " has a bad shape " + e.get("shape"));
            shape[i] = s.asLong();
        }
        long begin = e.get("data_offsets").get(0).asLong(-1), end = e.get("data_offsets").get(1).asLong(-1);
        Entry entry = new Entry(name, dtype, shape, begin, end);
        int elem = elementSize(dtype);
        long count;
        try {
            count = entry.count();
        } catch (ArithmeticException x) {
            throw bad(file, "tensor " + name + " has a shape too large to exist");
        }
        if (begin < 0 || end < begin || end > dataSize || (elem > 0 && end - begin != count * elem)) {
            throw bad(file, "tensor " + name + " has offsets [" + begin + ", " + end + ") that do not match its shape or the file");
        }
        return entry;
    }

    /** Bytes per element of a safetensors dtype, or 0 for one erasekit does not know. */
    public static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long at = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, at);
            if (n < 0) throw new IOException("unexpected end of file");
            at += n;
        }
    }

    static CorruptFileException bad(Path file, String why) {
        return new CorruptFileException(file + " is not a valid safetensors file: " + why);
    }
}
