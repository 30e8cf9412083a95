package dev.erasekit.tensor;

import java.util.List;

/**
 * A row-major fp32 matrix: token rows (n×d), weights (out×d). The array is shared, not copied: treat
 * it as read-only once the matrix is handed to anything else.
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 *
 * @param rows the number of rows
 * @param cols the number of columns
 * @param data the values, row-major (rows × cols)
 */
public record FloatMatrix(int rows, int cols, float[] data) {

    /** Checks that {@code data} holds rows × cols values. */
    public FloatMatrix {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("a " + rows + "×" + cols + " matrix needs " + (long) rows * cols
                    + " values, got " + data.length);
        }
    }

    /**
     * A matrix of zeros.
     *
     * @param rows the rows
     * @param cols the columns
     * @return rows × cols zeros
     */
    public static FloatMatrix zeros(int rows, int cols) {
        return new FloatMatrix(rows, cols, new float[rows * cols]);
    }

    /**
     * One value.
     *
     * @param r the row
     * @param c the column
     * @return the value at (r, c)
     */
    public float get(int r, int c) {
        return data[r * cols + c];
    }

    /**
     * The rows of several matrices (same width) one after another.
     *
     * @param parts the matrices
     * @param cols  their common width
     * @return a new matrix with all their rows
     */
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

    /**
     * Where the first non-finite value is.
     *
     * @return the index of the first NaN or infinite value, or -1
     */
    public int firstNonFinite() {
        for (int i = 0; i < data.length; i++) if (!Float.isFinite(data[i])) return i;
        return -1;
    }
}
