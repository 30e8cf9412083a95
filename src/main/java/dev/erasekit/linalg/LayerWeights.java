package dev.erasekit.linalg;

/**
 * One projection matrix W (out×d, PyTorch layout) and its storage dtype; fp16 weights are held as
 * their exact fp32 values.
 */
public record LayerWeights(String name, FloatMatrix w, DType dtype) {

    public int out() {
        return w.rows();
    }

    public int width() {
        return w.cols();
    }

    /** The same layer with new values, rounded in place to this layer's dtype (takes ownership of values). */
    public LayerWeights withValues(float[] values) {
        if (dtype != DType.FP32) for (int i = 0; i < values.length; i++) values[i] = dtype.round(values[i]);
        return new LayerWeights(name, new FloatMatrix(w.rows(), w.cols(), values), dtype);
    }
}
