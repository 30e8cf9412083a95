package dev.erasekit.model;

import dev.erasekit.tensor.DType;

/**
 * ONNX Runtime's view of an edited weight's dtype (the layout and bytes are {@link InitializerPatch}'s).
 * Stateless; thread-safe.
 */
public final class OnnxLayout {
    private OnnxLayout() {
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
