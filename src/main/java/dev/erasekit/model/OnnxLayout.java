package dev.erasekit.model;

import dev.erasekit.linalg.DType;
import dev.erasekit.linalg.LayerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** An edited weight converted back to its initializer's ONNX layout ([in, out] when transposed) and dtype. */
public final class OnnxLayout {
    private OnnxLayout() {
    }

    /** Values in the initializer's layout, fp32. */
    public static float[] values(CrossAttentionLayer layer, LayerWeights w) {
        if (w.out() != layer.out() || w.width() != layer.in()) {
            throw new dev.erasekit.InvalidInputException("edit tensor " + w.name() + " is " + w.out() + "×" + w.width()
                    + ", the model's is " + layer.out() + "×" + layer.in());
        }
        return layer.transposed() ? StableDiffusionModel.transpose(w.w().data(), layer.out(), layer.in()) : w.w().data();
    }

    /** Little-endian bytes in the initializer's dtype. */
    public static ByteBuffer bytes(CrossAttentionLayer layer, LayerWeights w) {
        float[] v = values(layer, w);
        boolean half = layer.dtype() == DType.FP16;
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * (half ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            if (half) b.putShort(Float.floatToFloat16(x));
            else b.putFloat(x);
        }
        return b.flip();
    }
}
