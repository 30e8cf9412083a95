package dev.erasekit.model;

import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An edited weight converted back to its initializer's ONNX layout ([in, out] when transposed) and dtype.
 * Stateless; thread-safe.
 */
public final class OnnxLayout {
    private OnnxLayout() {
    }

    /** Values in the initializer's layout, fp32. */
    public static float[] values(CrossAttentionLayer layer, LayerWeights w) {
        if (w.out() != layer.out() || w.width() != layer.in()) {
            throw new dev.erasekit.error.InvalidInputException("edit tensor " + w.name() + " is " + w.out() + "×" + w.width()
                    + ", the model's is " + layer.out() + "×" + layer.in());
        }
        return layer.transposed() ? StableDiffusionModel.transpose(w.w().data(), layer.out(), layer.in()) : w.w().data();
    }

    /** Little-endian bytes in the initializer's dtype. */
    public static ByteBuffer bytes(CrossAttentionLayer layer, LayerWeights w) {
        float[] v = values(layer, w);
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * layer.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (layer.dtype() == DType.FP32) {
            b.asFloatBuffer().put(v); // bulk, the same little-endian bytes
            return b;
        }
        for (float x : v) layer.dtype().put(b, x);
        return b.flip();
    }

    /** ONNX Runtime's Java type for a 16-bit dtype's raw bytes. */
    public static ai.onnxruntime.OnnxJavaType onnxType(DType dtype) {
        return switch (dtype) {
            case FP32 -> ai.onnxruntime.OnnxJavaType.FLOAT;
            case FP16 -> ai.onnxruntime.OnnxJavaType.FLOAT16;
            case BF16 -> ai.onnxruntime.OnnxJavaType.BFLOAT16;
        };
    }
}
