package dev.erasekit.edit;

import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.List;

/**
 * Red-teaming an edit without generating images: how much of a concept's cross-attention signal an
 * attack embedding brings back. The residual of an embedding e against the concept c is
 * ‖W'_l e − W_l c‖ / ‖W_l c‖ per layer, and over all layers together: 0 means the attack restores
 * the concept's K/V exactly, ≥ 1 that it restores nothing.
 * Stateless; thread-safe if the backend is.
 */
public final class Attack {
    private Attack() {
    }

    /** One attack's residuals, on the edited and on the unedited model. */
    public record Report(String attack, double[] perLayer, double overall, double unedited) {
    }

    /**
     * The closed-form adversarial embedding against the given weights (RECE's derivation used as an
     * attack, docs/methods.md §3): c' = (λ_r I + Σ W'ᵀW')⁻¹ Σ W'ᵀW c, row by row, for any edit (per layer,
     * no shared factor needed).
     */
    public static double[] adversarial(List<LayerWeights> base, List<LayerWeights> edited, FloatMatrix concept, double reg,
                                       LinalgBackend backend) {
        int d = concept.cols(), n = concept.rows();
        double[] h = Dense.identity(d, reg), cross = new double[d * d];
        for (int l = 0; l < base.size(); l++) {
            double[] w2 = Dense.toDouble(edited.get(l).w().data()), w = Dense.toDouble(base.get(l).w().data());
            backend.gemm(true, false, d, d, base.get(l).out(), 1.0, w2, w2, 1.0, h);
            backend.gemm(true, false, d, d, base.get(l).out(), 1.0, w2, w, 1.0, cross);
        }
        double[] rhs = new double[n * d];
        backend.gemm(false, true, n, d, d, 1.0, Dense.toDouble(concept.data()), cross, 0.0, rhs); // rows (Σ W'ᵀW c)ᵀ
        backend.solveRightSpd(h, d, rhs, n);
        return rhs;
    }

    /** Ring-A-Bell's concept vector: the mean over pairs of emb(sensitive) − emb(neutral) (77 × d). */
    public static double[] ringABellVector(List<FloatMatrix> sensitive, List<FloatMatrix> neutral) {
        double[] v = new double[sensitive.getFirst().data().length];
        for (int p = 0; p < sensitive.size(); p++) {
            float[] s = sensitive.get(p).data(), n = neutral.get(p).data();
            for (int i = 0; i < v.length; i++) v[i] += ((double) s[i] - n[i]) / sensitive.size();
        }
        return v;
    }

    /** Residuals of the attack embedding e against the concept c, on the edited and the unedited weights. */
    public static Report report(String attack, List<LayerWeights> base, List<LayerWeights> edited, double[] e,
                                FloatMatrix concept, LinalgBackend backend) {
        int n = concept.rows(), d = concept.cols();
        double[] c = Dense.toDouble(concept.data());
        double[] perLayer = new double[base.size()];
        double num = 0, numBase = 0, den = 0;
        for (int l = 0; l < base.size(); l++) {
            int out = base.get(l).out();
            double[] w = Dense.toDouble(base.get(l).w().data()), w2 = Dense.toDouble(edited.get(l).w().data());
            double[] target = new double[n * out], got = new double[n * out], plain = new double[n * out];
            backend.gemm(false, true, n, out, d, 1.0, c, w, 0.0, target);
            backend.gemm(false, true, n, out, d, 1.0, e, w2, 0.0, got);
            backend.gemm(false, true, n, out, d, 1.0, e, w, 0.0, plain);
            double a = 0, b = 0, t = 0;
            for (int i = 0; i < target.length; i++) {
                a += (got[i] - target[i]) * (got[i] - target[i]);
                b += (plain[i] - target[i]) * (plain[i] - target[i]);
                t += target[i] * target[i];
            }
            perLayer[l] = Math.sqrt(a / t);
            num += a;
            numBase += b;
            den += t;
        }
        return new Report(attack, perLayer, Math.sqrt(num / den), Math.sqrt(numBase / den));
    }
}
