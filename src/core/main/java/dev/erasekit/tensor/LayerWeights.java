package dev.erasekit.tensor;

/**
 * One projection matrix W (out×d, PyTorch layout) and its storage dtype; fp16 and bf16 weights are
 * held as their exact fp32 values.
 * Immutable; thread-safe.
 *
 * @param name  the diffusers state-dict key ({@code …attn2.to_k.weight})
 * @param w     the values (out × d)
 * @param dtype how the model stores them
 */
public record LayerWeights(String name, FloatMatrix w, DType dtype) {

    /**
     * Output features.
     *
     * @return the rows of W
     */
    public int out() {
        return w.rows();
    }

    /**
     * Input features: the text width d.
     *
     * @return the columns of W
     */
    public int width() {
        return w.cols();
    }

    /**
     * The same layer with new values, rounded in place to this layer's dtype.
     *
     * @param values out × d values (taken over, not copied)
     * @return the new layer
     */
    public LayerWeights withValues(float[] values) {
        if (dtype != DType.FP32) for (int i = 0; i < values.length; i++) values[i] = dtype.round(values[i]);
        return new LayerWeights(name, new FloatMatrix(w.rows(), w.cols(), values), dtype);
    }
}
