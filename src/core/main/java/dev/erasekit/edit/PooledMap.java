package dev.erasekit.edit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.JavaBackend;
import java.util.List;

/**
 * The closed-form edit of SDXL's pooled text path (docs/methods.md §9). add_embedding.linear_1 sees the pooled
 * embedding only through its text-embeds columns W₁ᵗ, so UCE's normal equations on those columns,
 * <pre>  min Σ‖W'e − W₁ᵗt‖² + Σ‖W'q − W₁ᵗq‖² + λ‖W' − W₁ᵗ‖²   (e: erased, t: their targets, q: preserved)</pre>
 * have the shared-factor solution W' = W₁ᵗ·M_p as the K/V do (eq. 7), independent of W₁ᵗ. With M_p = I + Δ and C =
 * [E Q], Δ = (T − E)Eᵀ(CCᵀ + λI)⁻¹, computed through the push-through identity in the r×r space of the rows:
 * <pre>  Δ = (1/λ)(T − E)·[EᵀP − EᵀPC(λI + CᵀPC)⁻¹(PC)ᵀ]</pre>
 * P = I, or, to hold a vector h exactly (the surgical method's p("")), P = I − hhᵀ/‖h‖², the projector that
 * restricts Δ to h's orthogonal complement, so M_p·h = h. Rank ≤ the number of erased prompts. Float64.
 * Stateless; thread-safe.
 */
public final class PooledMap {
    private PooledMap() {
    }

    /**
     * M_p, row-major p × p.
     *
     * @param erase    the erased prompts' pooled embeddings
     * @param targets  their guides' or anchors' (one per erased prompt)
     * @param preserve the preserved prompts'
     * @param held     a pooled embedding to hold exactly, or null
     * @param lambda   λ &gt; 0
     */
    public static double[] solve(List<float[]> erase, List<float[]> targets, List<float[]> preserve, float[] held, double lambda) {
        if (!(lambda > 0) || !Double.isFinite(lambda)) {
            throw new InvalidInputException("the pooled-path edit needs a finite λ > 0, got " + lambda);
        }
        int p = erase.getFirst().length, k = erase.size(), r = k + preserve.size();
        double[][] c = new double[r][]; // C's columns
        for (int j = 0; j < k; j++) c[j] = toDouble(erase.get(j));
        for (int j = 0; j < preserve.size(); j++) c[k + j] = toDouble(preserve.get(j));
        double[] h = held == null ? null : toDouble(held);
        double hh = h == null ? 0 : dot(h, h);
        double[][] pc = new double[r][]; // P·C's columns
        for (int j = 0; j < r; j++) pc[j] = hh > 0 ? minus(c[j], h, dot(h, c[j]) / hh) : c[j];
        double[] g = new double[r * r]; // λI + CᵀPC
        for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) g[a * r + b] = dot(c[a], pc[b]) + (a == b ? lambda : 0);
        }
        double[] w = new double[k * r]; // EᵀPC·G⁻¹ (k × r), one r×r Cholesky
        for (int i = 0; i < k; i++) for (int b = 0; b < r; b++) w[i * r + b] = dot(c[i], pc[b]);
        new JavaBackend().solveRightSpd(g, r, w, k);
        // B = EᵀP − EᵀPC·G⁻¹·(PC)ᵀ, k × p
        double[][] bRows = new double[k][];
        for (int i = 0; i < k; i++) {
            double[] row = hh > 0 ? minus(c[i], h, dot(h, c[i]) / hh) : c[i].clone(); // (P e_i)ᵀ
            for (int b = 0; b < r; b++) {
                double wb = w[i * r + b];
                if (wb != 0) for (int q = 0; q < p; q++) row[q] -= wb * pc[b][q];
            }
            bRows[i] = row;
        }
        double[] m = new double[p * p];
        for (int i = 0; i < p; i++) m[i * p + i] = 1;
        for (int i = 0; i < k; i++) {
            double[] t = toDouble(targets.get(i)), e = c[i];
            for (int a = 0; a < p; a++) {
                double da = (t[a] - e[a]) / lambda;
                if (da == 0) continue;
                for (int b = 0; b < p; b++) m[a * p + b] += da * bRows[i][b];
            }
        }
        return m;
    }

    /**
     * The pooled residual at the projection (docs/methods.md §9): mean over the erased prompts of
     * ‖W₁ᵗ(M_p·e − t)‖ / ‖W₁ᵗ(e − t)‖ — 1 when the path is left, 0 when the concept arrives there as its target.
     *
     * @param w1 W₁, [out, in] row-major, its first p columns the text-embeds columns
     * @param in W₁'s columns
     * @param m  M_p (null: the identity)
     */
    public static double residual(float[] w1, int in, double[] m, List<float[]> erase, List<float[]> targets) {
        int p = erase.getFirst().length, out = w1.length / in;
        double sum = 0;
        for (int i = 0; i < erase.size(); i++) {
            double[] e = toDouble(erase.get(i)), t = toDouble(targets.get(i)), me = m == null ? e : times(m, e, p);
            double num = 0, den = 0;
            for (int o = 0; o < out; o++) {
                double a = 0, b = 0;
                for (int q = 0; q < p; q++) {
                    a += w1[o * in + q] * (me[q] - t[q]);
                    b += w1[o * in + q] * (e[q] - t[q]);
                }
                num += a * a;
                den += b * b;
            }
            sum += den == 0 ? 0 : Math.sqrt(num / den);
        }
        return sum / erase.size();
    }

    private static double[] times(double[] m, double[] v, int p) {
        double[] out = new double[p];
        for (int a = 0; a < p; a++) for (int b = 0; b < p; b++) out[a] += m[a * p + b] * v[b];
        return out;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double[] minus(double[] a, double[] h, double s) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] -= s * h[i];
        return out;
    }
}
