package dev.erasekit.model;

import dev.erasekit.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One UNet initializer an edit replaces: where ONNX keeps it (name, layout, dtype) and its new value in PyTorch
 * layout [out, in]. What {@code apply} writes and what an in-memory edited session overrides, for the K/V and
 * for SDXL's pooled projection alike. Treat as immutable (the array is shared); thread-safe.
 *
 * @param initializer the ONNX initializer's name
 * @param transposed  true when ONNX stores the transpose ([in, out])
 * @param dtype       its dtype
 * @param out         rows of the PyTorch weight
 * @param in          its columns
 * @param torch       the new value, [out, in] row-major
 */
public record InitializerPatch(String initializer, boolean transposed, DType dtype, int out, int in, float[] torch) {

    /** The ONNX tensor's shape. */
    public long[] onnxShape() {
        return transposed ? new long[] {in, out} : new long[] {out, in};
    }

    /** The values in the initializer's layout, fp32. */
    public float[] values() {
        return transposed ? StableDiffusionModel.transpose(torch, out, in) : torch;
    }

    /** Little-endian bytes in the initializer's dtype. */
    public ByteBuffer bytes() {
        float[] v = values();
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.FP32) {
            b.asFloatBuffer().put(v); // bulk, the same little-endian bytes
            return b;
        }
        for (float x : v) dtype.put(b, x);
        return b.flip();
    }
}
