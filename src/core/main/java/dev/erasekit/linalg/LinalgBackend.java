package dev.erasekit.linalg;

/**
 * Dense float64 linear algebra for the closed-form edits. Every matrix is a row-major Java array;
 * a backend moves data to wherever it computes (native memory, a GPU) and back. Implementations:
 * {@link JavaBackend} (the reference), OpenBLAS and CUDA. Backends are thread-confined: use one per
 * thread, or synchronise.
 */
public interface LinalgBackend extends AutoCloseable {

    /** "java", "openblas" or "cuda". */
    String name();

    /** Where the native code came from (library paths, device), for logs. */
    String describe();

    /** g (d×d, both triangles) += alpha·XᵀX for the float rows X (n×d), accumulated in float64. */
    void gramAccumulate(double[] g, int d, float[] x, int n, double alpha);

    /** C (m×n) = alpha·op(A)·op(B) + beta·C, with op(A) m×k and op(B) k×n. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, double[] b,
              double beta, double[] c);

    /**
     * rhs (m×n) := rhs·S⁻¹ for S (n×n) symmetric positive definite, by Cholesky; S is not modified.
     *
     * @throws NotPositiveDefiniteException when S is not (numerically) positive definite
     */
    void solveRightSpd(double[] s, int n, double[] rhs, int m);

    /**
     * W_l·M for every layer (each fp32, rows_l×d row-major): W + (W·U)·V when {@code f.foldLowRank()}
     * (2·rows·d·k multiply-adds instead of rows·d², docs/methods.md §2), a product with M otherwise; one
     * new fp32 array per layer, the inputs untouched.
     */
    float[][] fold(float[][] layers, int d, SharedFactor f);

    /** Eigen-decomposition of the symmetric S (n×n): eigenvalues ascending, vectors as columns. */
    SymmetricEigen eigh(double[] s, int n);

    @Override
    void close();
}
