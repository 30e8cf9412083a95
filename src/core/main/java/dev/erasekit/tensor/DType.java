package dev.erasekit.tensor;

import java.nio.ByteBuffer;

/**
 * Storage precision of a base model's weights; edited weights are written back in the same one.
 * Values are held in memory as their exact fp32 equivalents.
 * Immutable; thread-safe.
 */
public enum DType {
    /** IEEE binary32. */
    FP32(4, "F32"),
    /** IEEE binary16. */
    FP16(2, "F16"),
    /** bfloat16 (the upper half of binary32). */
    BF16(2, "BF16");

    private final int bytes;
    private final String safetensorsName;

    DType(int bytes, String safetensorsName) {
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    /**
     * Bytes per element.
     *
     * @return 4 or 2
     */
    public int bytes() {
        return bytes;
    }

    /**
     * The dtype's name in a safetensors header.
     *
     * @return "F32", "F16" or "BF16"
     */
    public String safetensorsName() {
        return safetensorsName;
    }

    /**
     * The dtype a safetensors header names.
     *
     * @param name the header's dtype ("F32", …)
     * @return the dtype, or null for one that is not a float type erasekit reads
     */
    public static DType ofSafetensors(String name) {
        for (DType t : values()) if (t.safetensorsName.equals(name)) return t;
        return null;
    }

    /**
     * Rounds an fp32 value to this precision (IEEE round-to-nearest-even).
     *
     * @param v the value
     * @return v rounded, as fp32
     */
    public float round(float v) {
        return switch (this) {
            case FP32 -> v;
            case FP16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> Float.intBitsToFloat(toBf16(v) << 16);
        };
    }

    /**
     * Appends v in this dtype.
     *
     * @param b a little-endian buffer
     * @param v the value
     */
    public void put(ByteBuffer b, float v) {
        switch (this) {
            case FP32 -> b.putFloat(v);
            case FP16 -> b.putShort(Float.floatToFloat16(v));
            case BF16 -> b.putShort((short) toBf16(v));
        }
    }

    /**
     * Reads one element.
     *
     * @param b a little-endian buffer
     * @param i the element index
     * @return the value, as fp32
     */
    public float get(ByteBuffer b, int i) {
        return switch (this) {
            case FP32 -> b.getFloat(i * 4);
            case FP16 -> Float.float16ToFloat(b.getShort(i * 2));
            case BF16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        };
    }

    /** The upper 16 bits of v rounded to nearest even (NaN stays a quiet NaN). */
    private static int toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return 0x7fc0;
        return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }
}
