package dev.erasekit.edit;

import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;

/** Weight-space evidence of an edit, from the K/V matrices alone (docs/methods.md §6, mechanistic). Stateless; thread-safe. */
public final class EditMetrics {
    private EditMetrics() {
    }

    /** max over layers and rows c of ‖(W'_l − W_l)c‖ / ‖W_l c‖: how far these rows' K/V moved. */
    public static double maxRelativeDrift(List<LayerWeights> base, List<LayerWeights> edited, FloatMatrix rows,
                                          LinalgBackend backend) {
        double[] c = Dense.toDouble(rows.data());
        int n = rows.rows(), d = rows.cols();
        double worst = 0;
        for (int l = 0; l < base.size(); l++) {
            int out = base.get(l).out();
            double[] w = Dense.toDouble(base.get(l).w().data()), delta = Dense.toDouble(edited.get(l).w().data());
            for (int i = 0; i < w.length; i++) delta[i] -= w[i];
            double[] k = new double[n * out], dk = new double[n * out];
            backend.gemm(false, true, n, out, d, 1.0, c, w, 0.0, k);      // rows of W·c
            backend.gemm(false, true, n, out, d, 1.0, c, delta, 0.0, dk); // rows of ΔW·c
            for (int r = 0; r < n; r++) {
                double num = 0, den = 0;
                for (int i = 0; i < out; i++) {
                    num += dk[r * out + i] * dk[r * out + i];
                    den += k[r * out + i] * k[r * out + i];
                }
                if (den > 0) worst = Math.max(worst, Math.sqrt(num / den));
            }
        }
        return worst;
    }

    /**
     * ‖W'C_e − W C_a‖ / ‖W C_e − W C_a‖ summed over all layers, for an edit W'_l = W_l·M: with
     * G = Σ_l W_lᵀW_l, Σ_l ‖W_l X‖² = tr(XᵀGX), so this costs O(d²·n) whatever the layer count.
     * 0: the erased rows now produce the target's K/V exactly; 1: nothing moved.
     */
    public static double eraseResidual(double[] gram, double[] m, FloatMatrix erase, FloatMatrix target,
                                       LinalgBackend backend) {
        int n = erase.rows(), d = erase.cols();
        double[] e = Dense.toDouble(erase.data()), a = Dense.toDouble(target.data());
        double[] after = new double[n * d];                        // rows (M·e)ᵀ − aᵀ
        backend.gemm(false, true, n, d, d, 1.0, e, m, 0.0, after);
        double[] before = new double[n * d];
        for (int i = 0; i < after.length; i++) {
            after[i] -= a[i];
            before[i] = e[i] - a[i];
        }
        return Math.sqrt(quadratic(gram, after, n, d, backend) / quadratic(gram, before, n, d, backend));
    }

    /**
     * The unconditional drift in d×d algebra (docs/methods.md §6): max over the rows c of the "" prompt of
     * ‖W(M − I)c‖ / ‖Wc‖ over all layers together, Σ_l ‖W_l x‖² = xᵀGx. Float64 throughout, so it measures
     * the edit itself, not the fp32 rounding of its weights (0 for the surgical erase up to 1e-15).
     */
    public static double unconditionalDrift(double[] gram, double[] m, FloatMatrix rows, LinalgBackend backend) {
        int n = rows.rows(), d = rows.cols();
        double[] c = Dense.toDouble(rows.data()), moved = new double[n * d];
        backend.gemm(false, true, n, d, d, 1.0, c, m, 0.0, moved);          // rows (M·c)ᵀ
        for (int i = 0; i < moved.length; i++) moved[i] -= c[i];           // rows ((M − I)·c)ᵀ
        double[] gMoved = new double[n * d], gC = new double[n * d];
        backend.gemm(false, false, n, d, d, 1.0, moved, gram, 0.0, gMoved);
        backend.gemm(false, false, n, d, d, 1.0, c, gram, 0.0, gC);
        double worst = 0;
        for (int r = 0; r < n; r++) {
            double num = 0, den = 0;
            for (int j = 0; j < d; j++) {
                num += moved[r * d + j] * gMoved[r * d + j];
                den += c[r * d + j] * gC[r * d + j];
            }
            if (den > 0) worst = Math.max(worst, Math.sqrt(Math.max(0, num) / den));
        }
        return worst;
    }

    /** Σ_rows xᵀ G x. */
    private static double quadratic(double[] gram, double[] x, int n, int d, LinalgBackend backend) {
        double[] gx = new double[n * d];
        backend.gemm(false, false, n, d, d, 1.0, x, gram, 0.0, gx);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += gx[i] * x[i];
        return s;
    }
}
