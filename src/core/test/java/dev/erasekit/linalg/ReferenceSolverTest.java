package dev.erasekit.linalg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the reference itself against the normal equations written out naively here: the shared
 * factor must satisfy M·B = A₀ (B = λI + s_e CᵀC + s_p PᵀP, A₀ = λI + s_e GᵀC + s_p PᵀP), and every
 * edited layer must satisfy W'·B = λW + s_e Vᵀ C + s_p W PᵀP (the stationarity condition of the
 * least-squares objective), to float64 rounding (≤ 1e-11 relative) and, for the fp32 weights, to within
 * twice the residual that moving every weight by one ulp causes (a control measured in the same test).
 */
class ReferenceSolverTest {

    @Test
    void sharedFactorSolvesTheNormalEquations() {
        NormalEquations p = SdProblems.uce(SdProblems.seed("reference"), new int[] {24, 40, 56}, 64, 20, 30, 0.5);
        int d = p.width();
        double[] b = naiveNormalMatrix(p);
        double[] a0 = b.clone();
        FloatMatrix c = p.eraseRows(), g = ((Targets.Guide) p.targets()).rows();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int r = 0; r < c.rows(); r++) s += ((double) g.get(r, i) - c.get(r, i)) * c.get(r, j);
                a0[i * d + j] += p.eraseScale() * s;
            }
        }
        try (LinalgBackend java = new JavaBackend()) {
            SolveResult res = new NormalEquationSolver(java).solveShared(p);
            double[] m = res.sharedFactor().orElseThrow();
            double err = Dense.relativeError(naiveProduct(m, d, d, b, d), a0);
            assertTrue(err <= 1e-11, "‖M·B − A₀‖/‖A₀‖ = " + err);
            java.util.SplittableRandom r = new java.util.SplittableRandom(SdProblems.seed("reference control"));
            List<LayerWeights> noisy = dev.erasekit.Controls.ulpPerturbed(res.layers(), r);
            for (int l = 0; l < p.layers().size(); l++) {
                LayerWeights w = p.layers().get(l), edited = res.layers().get(l);
                double[] rhs = naiveProduct(Dense.toDouble(w.w().data()), w.out(), d, a0, d);
                double e = Dense.relativeError(naiveProduct(Dense.toDouble(edited.w().data()), w.out(), d, b, d), rhs);
                // W' is W·M rounded to fp32: its residual is that of fp32 rounding, which the one-ulp control measures
                double control = Dense.relativeError(naiveProduct(Dense.toDouble(noisy.get(l).w().data()), w.out(), d, b, d), rhs);
                assertTrue(e <= 2 * control, "layer " + l + ": ‖W'·B − W·A₀‖/‖W·A₀‖ = " + e + ", one-ulp control " + control);
            }
        }
    }

    @Test
    void javaCholeskyMatchesADirectSolve() {
        SplittableRandom r = new SplittableRandom(SdProblems.seed("cholesky"));
        int n = 50;
        FloatMatrix x = SdProblems.gaussian(r, 80, n, 1.0);
        double[] s = Dense.identity(n, 0.1);
        try (LinalgBackend java = new JavaBackend()) {
            java.gramAccumulate(s, n, x.data(), x.rows(), 1.0);
            double[] rhs = Dense.toDouble(SdProblems.gaussian(r, 7, n, 1.0).data());
            double[] x0 = rhs.clone();
            java.solveRightSpd(s, n, rhs, 7);
            double err = Dense.relativeError(naiveProduct(rhs, 7, n, s, n), x0);
            assertTrue(err <= 1e-12, "‖X·S − R‖/‖R‖ = " + err);
        }
    }

    static double[] naiveNormalMatrix(NormalEquations p) {
        int d = p.width();
        double[] b = Dense.identity(d, p.lambdas()[0]);
        addGram(b, p.eraseRows(), p.eraseScale());
        addGram(b, p.preserveRows(), p.preserveScale());
        return b;
    }

    private static void addGram(double[] b, FloatMatrix x, double scale) {
        int d = x.cols();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int r = 0; r < x.rows(); r++) s += (double) x.get(r, i) * x.get(r, j);
                b[i * d + j] += scale * s;
            }
        }
    }

    static double[] naiveProduct(double[] a, int m, int k, double[] b, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) s += a[i * k + l] * b[l * n + j];
                c[i * n + j] = s;
            }
        }
        return c;
    }
}
