package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.tensor.FloatMatrix;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Symmetric eigen-decomposition on every backend: eigenvalues equal the java reference's
 * (≤ 1e-10 relative), V·diag(λ)·Vᵀ rebuilds S and VᵀV = I (≤ 1e-10). Vectors are compared through
 * these identities because each eigenvector's sign is arbitrary.
 */
class EighTest {

    @ParameterizedTest(name = "{0} backend")
    @ValueSource(strings = {"java", "openblas", "cuda"})
    void decomposesASymmetricMatrix(String backend) {
        SplittableRandom r = new SplittableRandom(SdProblems.seed("eigh, " + backend));
        int n = 96;
        FloatMatrix x = SdProblems.gaussian(r, 40, n, 1.0); // rank-deficient Gram: zero eigenvalues too
        double[] s = new double[n * n];
        SymmetricEigen want;
        try (LinalgBackend java = new JavaBackend()) {
            java.gramAccumulate(s, n, x.data(), x.rows(), 1.0);
            want = java.eigh(s, n);
        }
        try (LinalgBackend b = TestBackends.open(backend)) {
            SymmetricEigen got = b.eigh(s, n);
            double scale = want.values()[n - 1];
            for (int k = 0; k < n; k++) {
                double e = Math.abs(got.values()[k] - want.values()[k]) / scale;
                assertTrue(e <= 1e-10, "eigenvalue " + k + " differs by " + e);
                if (k > 0) assertTrue(got.values()[k] >= got.values()[k - 1], "ascending");
            }
            double[] rebuilt = new double[n * n], gram = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double a = 0, g = 0;
                    for (int k = 0; k < n; k++) {
                        a += got.vector(k, i) * got.values()[k] * got.vector(k, j);
                        g += got.vector(i, k) * got.vector(j, k);
                    }
                    rebuilt[i * n + j] = a;
                    gram[i * n + j] = g;
                }
            }
            assertTrue(Dense.relativeError(rebuilt, s) <= 1e-10, "V·Λ·Vᵀ = S");
            assertTrue(Dense.relativeError(gram, Dense.identity(n, 1.0)) <= 1e-10, "VᵀV = I");
        }
    }
}
