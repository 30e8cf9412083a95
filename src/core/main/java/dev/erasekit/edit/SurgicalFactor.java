package dev.erasekit.edit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.SharedFactor;
import dev.erasekit.linalg.StageTimes;
import dev.erasekit.method.Surgical;
import dev.erasekit.tensor.FloatMatrix;

/**
 * The surgical anchor erase of docs/methods.md §4 (All-but-One's objective, in closed form), with the
 * unconditional score held exactly: with C_e/C_a the aligned erase/anchor rows, C_p soft preserves
 * (weight α), C_∅ the 77 rows of the model's "" prompt and Δ = W' − W,
 * <pre>
 *   min ‖ΔC_e − W(C_a − C_e)‖² + α‖ΔC_p‖² + λ‖Δ‖²   subject to   ΔC_∅ = 0
 *   Δ = W·D,   D = (C_a − C_e)C_eᵀ Q (QᵀMQ)⁻¹ Qᵀ,   M = C_eC_eᵀ + αC_pC_pᵀ + λI
 * </pre>
 * Q spans the complement of span(C_∅) ({@link NullConstraint}). D is shared by every layer, so
 * W'_l = W_l·(I + D): one factor, as for UCE.
 * Stateless; thread-safe.
 */
public final class SurgicalFactor {
    private SurgicalFactor() {
    }

    /**
     * @param factor         I + D (d×d), with its low-rank factors
     * @param freeDimensions dimensions left free by the constraint (d − rank C_∅)
     * @param freeEnergy     ‖C_e Q‖/‖C_e‖: how much of the erased rows the constraint lets the edit reach
     */
    public record Result(SharedFactor factor, int freeDimensions, double freeEnergy, StageTimes times) {
    }

    public static Result factor(FloatMatrix erase, FloatMatrix anchor, FloatMatrix preserve, FloatMatrix nullRows,
                                Surgical s, LinalgBackend backend) {
        StageTimes times = new StageTimes();
        int d = erase.cols();
        NullConstraint nc = times.time("null space", () -> NullConstraint.of(nullRows, s.nullTolerance(), backend));
        int k = nc.free();
        double[] q = nc.basis();
        double[] e = Dense.toDouble(erase.data());
        double[] eq = nc.project(e, erase.rows(), backend);
        double freeEnergy = Math.sqrt(sumSquares(eq) / sumSquares(e));
        if (k == 0 || freeEnergy < 1e-6) {
            throw new InvalidInputException(String.format("the 77 rows of the \"\" prompt span %d of the %d text dimensions, and the"
                    + " erased rows lie %s inside that span (free part %.1e): holding the unconditional score exactly leaves no"
                    + " freedom to edit at this text width. Use a model with a wider text encoder (SD v1.x: 768), or UCE/RECE.",
                    d - k, d, k == 0 ? "entirely" : "almost entirely", freeEnergy));
        }
        int kk = k, n = erase.rows();
        SharedFactor factor = times.time("solve", () -> {
            double[] m = Dense.identity(d, s.lambda());
            backend.gramAccumulate(m, d, erase.data(), erase.rows(), 1.0);
            if (preserve.rows() > 0) backend.gramAccumulate(m, d, preserve.data(), preserve.rows(), s.preserveScale());
            double[] mq = new double[d * kk], qmq = new double[kk * kk];
            backend.gemm(false, false, d, kk, d, 1.0, m, q, 0.0, mq);
            backend.gemm(true, false, kk, kk, d, 1.0, q, mq, 0.0, qmq);       // QᵀNQ
            // D = (C_a − C_e)ᵀ · V with V = C_e Q (QᵀNQ)⁻¹ Qᵀ (n×d): rank ≤ n, U = (C_a − C_e)ᵀ (d×n)
            double[] w = eq.clone();
            backend.solveRightSpd(qmq, kk, w, n);                              // C_e Q (QᵀNQ)⁻¹
            double[] v = new double[n * d];
            backend.gemm(false, true, n, d, kk, 1.0, w, q, 0.0, v);            // … Qᵀ
            double[] u = new double[d * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) u[j * n + i] = (double) anchor.data()[i * d + j] - e[i * d + j];
            }
            return SharedFactor.lowRank(d, u, v, n, backend);                  // I + D
        });
        return new Result(factor, k, freeEnergy, times);
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return s;
    }
}
