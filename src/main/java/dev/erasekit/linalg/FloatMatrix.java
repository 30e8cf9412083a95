package dev.erasekit.linalg;

import java.util.List;

/** A row-major fp32 matrix: token rows (n×d), weights (out×d). */
public record FloatMatrix(int rows, int cols, float[] data) {

    public FloatMatrix {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + "×" + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + data.length);
        }
    }

    public static FloatMatrix zeros(int rows, int cols) {
        return new FloatMatrix(rows, cols, new float[rows * cols]);
    }

    public float get(int r, int c) {
        return data[r * cols + c];
    }

    /** The rows of several matrices (same width) one after another. */
    public static FloatMatrix stack(List<FloatMatrix> parts, int cols) {
        int rows = parts.stream().mapToInt(FloatMatrix::rows).sum();
        float[] out = new float[rows * cols];
        int at = 0;
        for (FloatMatrix p : parts) {
            System.arraycopy(p.data, 0, out, at, p.data.length);
            at += p.data.length;
        }
        return new FloatMatrix(rows, cols, out);
    }

    /** Index of the first NaN or infinite value, or -1. */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) if (!Float.isFinite(data[i])) return i;
        return -1;
    }
}
