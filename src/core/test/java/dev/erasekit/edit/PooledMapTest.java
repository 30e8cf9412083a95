package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.TestSeeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PooledMap} (the push-through form in the rows' r×r space) against plain float64 references of the normal
 * equations: unconstrained, M_ref = (TEᵀ + QQᵀ + λI)(EEᵀ + QQᵀ + λI)⁻¹ (UCE eq. 7 in the pooled space); holding h,
 * the same problem solved in an explicit basis N of h's orthogonal complement, M = I + X·Nᵀ. Fresh random inputs,
 * seeds printed. Both sides are float64 solves of systems with condition ≲ 10⁴, so 1e-9 sits far above their rounding.
 */
class PooledMapTest {
    private static final int P = 40;

    @Test
    void matchesTheNormalEquations() {
        Random r = new Random(TestSeeds.seed("PooledMapTest.unconstrained"));
        for (int trial = 0; trial < 5; trial++) {
            List<float[]> e = vectors(r, 2), t = vectors(r, 2), q = vectors(r, 3);
            double lambda = 0.1 + r.nextDouble();
            double[] got = PooledMap.solve(e, t, q, null, lambda);
            double[] lhs = new double[P * P], rhs = new double[P * P];
            for (int i = 0; i < P; i++) {
                lhs[i * P + i] = lambda;
                rhs[i * P + i] = lambda;
            }
            for (int j = 0; j < e.size(); j++) {
                outer(lhs, t.get(j), e.get(j));
                outer(rhs, e.get(j), e.get(j));
            }
            for (float[] v : q) {
                outer(lhs, v, v);
                outer(rhs, v, v);
            }
            double[] want = times(lhs, inverse(rhs, P), P, P, P);
            double err = relative(got, want);
            assertTrue(err <= 1e-9, "trial " + trial + ": relative error " + err);
        }
    }

    @Test
    void holdsTheGivenVectorAndSolvesTheConstrainedProblem() {
        Random r = new Random(TestSeeds.seed("PooledMapTest.held"));
        for (int trial = 0; trial < 5; trial++) {
            List<float[]> e = vectors(r, 2), t = vectors(r, 2), q = vectors(r, 2);
            float[] h = vectors(r, 1).getFirst();
            double lambda = 0.1 + r.nextDouble();
            double[] got = PooledMap.solve(e, t, q, h, lambda);
            double[] mh = times(got, toDouble(h), P, P, 1);
            double heldErr = relative(mh, toDouble(h));
            assertTrue(heldErr <= 1e-12, "M_p·h = h: relative error " + heldErr);
            // reference: N = an orthonormal basis of h's complement (Gram–Schmidt of the unit vectors), X from the reduced
            // normal equations X (Nᵀ(EEᵀ + QQᵀ)N + λI) = (T − E)EᵀN, M = I + X Nᵀ
            double[] n = complementBasis(toDouble(h)); // P × (P−1), column-major in rows of P
            int m = P - 1;
            double[] s = new double[P * P], rhs = new double[P * P];
            for (int j = 0; j < e.size(); j++) {
                outer(s, e.get(j), e.get(j));
                outer(rhs, t.get(j), e.get(j)); // (T − E)Eᵀ, in float64
                for (int a = 0; a < P; a++) for (int b = 0; b < P; b++) rhs[a * P + b] -= (double) e.get(j)[a] * e.get(j)[b];
            }
            for (float[] v : q) outer(s, v, v);
            double[] reduced = times(times(transpose(n, P, m), s, m, P, P), n, m, P, m);
            for (int i = 0; i < m; i++) reduced[i * m + i] += lambda;
            double[] x = times(times(rhs, n, P, P, m), inverse(reduced, m), P, m, m);
            double[] want = times(x, transpose(n, P, m), P, m, P);
            for (int i = 0; i < P; i++) want[i * P + i] += 1;
            double err = relative(got, want);
            assertTrue(err <= 1e-9, "trial " + trial + ": relative error " + err);
        }
    }

    private static List<float[]> vectors(Random r, int n) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] v = new float[P];
            for (int k = 0; k < P; k++) v[k] = (float) r.nextGaussian();
            out.add(v);
        }
        return out;
    }

    private static void outer(double[] acc, float[] a, float[] b) {
        for (int i = 0; i < P; i++) for (int j = 0; j < P; j++) acc[i * P + j] += (double) a[i] * b[j];
    }

    private static double[] times(double[] a, double[] b, int n, int k, int m) {
        double[] c = new double[n * m];
        for (int i = 0; i < n; i++) for (int l = 0; l < k; l++) for (int j = 0; j < m; j++) c[i * m + j] += a[i * k + l] * b[l * m + j];
        return c;
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /** Gauss–Jordan with partial pivoting, float64. */
    private static double[] inverse(double[] a, int n) {
        double[] m = a.clone(), inv = new double[n * n];
        for (int i = 0; i < n; i++) inv[i * n + i] = 1;
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[piv * n + c])) piv = i;
            for (int j = 0; j < n; j++) {
                double x = m[c * n + j]; m[c * n + j] = m[piv * n + j]; m[piv * n + j] = x;
                x = inv[c * n + j]; inv[c * n + j] = inv[piv * n + j]; inv[piv * n + j] = x;
            }
            double d = m[c * n + c];
            for (int j = 0; j < n; j++) {
                m[c * n + j] /= d;
                inv[c * n + j] /= d;
            }
            for (int i = 0; i < n; i++) {
                if (i == c) continue;
                double f = m[i * n + c];
                if (f == 0) continue;
                for (int j = 0; j < n; j++) {
                    m[i * n + j] -= f * m[c * n + j];
                    inv[i * n + j] -= f * inv[c * n + j];
                }
            }
        }
        return inv;
    }

    /** P × (P−1) with orthonormal columns orthogonal to h (modified Gram–Schmidt on h, e_1, …, dropping the weakest). */
    private static double[] complementBasis(double[] h) {
        List<double[]> basis = new ArrayList<>();
        double[] u = h.clone();
        normalize(u);
        basis.add(u);
        for (int k = 0; k < P && basis.size() < P; k++) {
            double[] v = new double[P];
            v[k] = 1;
            for (double[] b : basis) {
                double s = 0;
                for (int i = 0; i < P; i++) s += b[i] * v[i];
                for (int i = 0; i < P; i++) v[i] -= s * b[i];
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            if (norm < 1e-6) continue;
            normalize(v);
            basis.add(v);
        }
        double[] n = new double[P * (P - 1)];
        for (int j = 1; j < P; j++) for (int i = 0; i < P; i++) n[i * (P - 1) + j - 1] = basis.get(j)[i];
        return n;
    }

    private static void normalize(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        s = Math.sqrt(s);
        for (int i = 0; i < v.length; i++) v[i] /= s;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static double relative(double[] a, double[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den += b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
