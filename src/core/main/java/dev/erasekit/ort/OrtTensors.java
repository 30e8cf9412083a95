package dev.erasekit.ort;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.erasekit.error.CorruptFileException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Float tensors in whichever float type a graph declares: fp32, or fp16 for optimum's {@code --fp16}
 * exports (values rounded to nearest even; read back widened exactly). Stateless; thread-safe.
 */
public final class OrtTensors {
    private OrtTensors() {
    }

    /** A tensor of {@code values} in {@code type} (FLOAT or FLOAT16), shape {@code shape}; the caller closes it. */
    public static OnnxTensor floats(OrtEnvironment env, float[] values, long[] shape, OnnxJavaType type, String what)
            throws OrtException {
        return switch (type) {
            case FLOAT -> OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
            case FLOAT16 -> {
                ByteBuffer b = ByteBuffer.allocateDirect(values.length * 2).order(ByteOrder.nativeOrder());
                ShortBuffer s = b.asShortBuffer();
                for (float v : values) s.put(Float.floatToFloat16(v));
                yield OnnxTensor.createTensor(env, b, shape, OnnxJavaType.FLOAT16);
            }
            default -> throw new CorruptFileException(what + " is " + type + "; erasekit feeds float32 or float16");
        };
    }

    /** The values of a FLOAT or FLOAT16 tensor, as fp32. */
    public static float[] read(OnnxTensor t, String what) {
        int n = (int) t.getInfo().getNumElements();
        float[] out = new float[n];
        switch (t.getInfo().type) {
            case FLOAT -> t.getFloatBuffer().get(out);
            case FLOAT16 -> {
                ShortBuffer s = t.getShortBuffer();
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(s.get(i));
            }
            default -> throw new CorruptFileException(what + " is " + t.getInfo().type + "; erasekit reads float32 or float16");
        }
        return out;
    }
}
