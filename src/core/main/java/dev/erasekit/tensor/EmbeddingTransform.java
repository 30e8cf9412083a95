package dev.erasekit.tensor;

import dev.erasekit.error.InvalidInputException;

/**
 * A shared-factor edit served as a map on the text embeddings (docs/methods.md §5): W'_l = W_l·M for
 * every layer ⇔ every token row c becomes M·c before the unedited UNet. Transforms compose:
 * {@code b.after(a)} applies a, then b (M_b·M_a). Immutable and thread-safe.
 */
public final class EmbeddingTransform {
    private final int width;
    private final double[] m;

    private EmbeddingTransform(int width, double[] m) {
        this.width = width;
        this.m = m;
    }

    /**
     * A transform from its matrix.
     *
     * @param width the text width d
     * @param m     M, row-major d × d float64 (copied; non-finite values are refused)
     * @return the transform
     */
    public static EmbeddingTransform of(int width, double[] m) {
        if (m.length != (long) width * width) throw new InvalidInputException("a " + width + "×" + width + " transform needs "
                + (long) width * width + " values, got " + m.length);
        for (double x : m) if (!Double.isFinite(x)) throw new InvalidInputException("the transform holds non-finite values");
        return new EmbeddingTransform(width, m.clone());
    }

    /**
     * The identity (no edit).
     *
     * @param width the text width d
     * @return I
     */
    public static EmbeddingTransform identity(int width) {
        double[] m = new double[width * width];
        for (int i = 0; i < width; i++) m[i * width + i] = 1;
        return new EmbeddingTransform(width, m);
    }

    /**
     * The text width.
     *
     * @return d
     */
    public int width() {
        return width;
    }

    /**
     * The matrix.
     *
     * @return a copy of M
     */
    public double[] matrix() {
        return m.clone();
    }

    /**
     * Composition: this transform applied after {@code first}.
     *
     * @param first the transform applied first
     * @return M_this · M_first
     */
    public EmbeddingTransform after(EmbeddingTransform first) {
        if (first.width != width) throw new InvalidInputException("cannot compose transforms of widths " + width + " and " + first.width);
        double[] out = new double[width * width];
        for (int i = 0; i < width; i++) {
            for (int k = 0; k < width; k++) {
                double a = m[i * width + k];
                if (a == 0) continue;
                for (int j = 0; j < width; j++) out[i * width + j] += a * first.m[k * width + j];
            }
        }
        return new EmbeddingTransform(width, out);
    }

    /**
     * Applies the transform to token rows.
     *
     * @param rows [n, width] row-major fp32
     * @return the rows M·c, accumulated in float64
     */
    public float[] apply(float[] rows) {
        if (rows.length % width != 0) throw new InvalidInputException("rows of width " + width + " expected, got " + rows.length + " values");
        float[] out = new float[rows.length];
        for (int r = 0; r < rows.length / width; r++) {
            int o = r * width;
            for (int i = 0; i < width; i++) {
                double s = 0;
                int mi = i * width;
                for (int j = 0; j < width; j++) s += m[mi + j] * rows[o + j];
                out[o + i] = (float) s;
            }
        }
        return out;
    }
}
