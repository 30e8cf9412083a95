package dev.erasekit.edit;

import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.SymmetricEigen;
import dev.erasekit.tensor.FloatMatrix;

/**
 * The hard constraint Δ·C_∅ = 0 of the surgical erase (docs/methods.md §4, eq. 4.1): Q, an orthonormal
 * basis (d × k, row-major) of the complement of span(C_∅), from a float64 eigendecomposition of C_∅ᵀC_∅
 * (row form): the eigenvectors whose eigenvalues are at most {@code tolerance} × the largest. Writing
 * Δ = X·Qᵀ satisfies the constraint for every X. Immutable.
 *
 * @param width the text width d
 * @param free  k = d − rank(C_∅), the dimensions the constraint leaves free
 * @param basis Q (d × k)
 */
public record NullConstraint(int width, int free, double[] basis) {

    /** The constraint that holds the rows {@code nullRows} (the "" prompt's 77 rows) fixed. */
    public static NullConstraint of(FloatMatrix nullRows, double tolerance, LinalgBackend backend) {
        int d = nullRows.cols();
        double[] s = new double[d * d];
        backend.gramAccumulate(s, d, nullRows.data(), nullRows.rows(), 1.0);
        SymmetricEigen eig = backend.eigh(s, d);
        double floor = tolerance * eig.values()[d - 1];
        int k = 0;
        while (k < d && eig.values()[k] <= floor) k++;
        double[] q = new double[d * k];
        for (int i = 0; i < d; i++) for (int j = 0; j < k; j++) q[i * k + j] = eig.vector(j, i);
        return new NullConstraint(d, k, q);
    }

    /** rows · Q (n × k) for the row-major float64 rows (n × d). */
    public double[] project(double[] rows, int n, LinalgBackend backend) {
        double[] out = new double[n * free];
        if (free > 0) backend.gemm(false, false, n, free, width, 1.0, rows, basis, 0.0, out);
        return out;
    }
}
