package dev.erasekit.linalg;

/**
 * S = V·diag(values)·Vᵀ: {@code values} ascending (LAPACK's order), {@code vectors} row-major n×n
 * with eigenvector k in column k.
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 */
public record SymmetricEigen(int n, double[] values, double[] vectors) {

    /** Component i of eigenvector k. */
    public double vector(int k, int i) {
        return vectors[i * n + k];
    }
}
