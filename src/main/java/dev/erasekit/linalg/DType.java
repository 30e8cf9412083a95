package dev.erasekit.linalg;

/** Storage precision of a base model's weights; edited weights are written back in the same one. */
public enum DType {
    FP32,
    FP16;

    /** Rounds an fp32 value to this precision (IEEE round-to-nearest-even for fp16). */
    public float round(float v) {
        return this == FP16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : v;
    }
}
