package dev.erasekit.export;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.linalg.SymmetricEigen;
import dev.erasekit.linalg.NotPositiveDefiniteException;
import dev.erasekit.tensor.LayerWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * The exact low-rank factors of a shared-factor edit's weight change (docs/methods.md §7):
 * ΔW_l = W_l·D with D = M − I, so every ΔW_l lies in D's row space. With Q (d×r) an orthonormal
 * basis of it, ΔW_l = C_l·Qᵀ for C_l = W_l·D·Q (out×r), and with C_lᵀC_l = V·Σ²·Vᵀ the layer's SVD is
 * ΔW_l = (C_l·V)·(Q·V)ᵀ: {@code up} = C_l·V = U·Σ, {@code down} = (Q·V)ᵀ with orthonormal rows, both
 * sorted by singular value, so the first N components are the best rank-N ΔW_l (Eckart–Young).
 * <p>The rank r is the numerical rank of D: Q is built by pivoted modified Gram–Schmidt (twice) on D's
 * rows and stops when no row keeps more than {@link #RANK_TOLERANCE} of the largest row's norm. r is
 * at most the edit's erase rows (M = I + U·V with k = erase rows, §2) and the same for every layer, so
 * a loader that scales by alpha/r with alpha = r scales every layer by exactly 1.
 * <p>Without the base W, C_l comes from the edited W'_l: W = W'·M⁻¹, so C_l = W'_l·M⁻¹·D·Q, with
 * M⁻¹·(D·Q) from the normal equations MᵀM·X = Mᵀ·(D·Q), one refinement step, and its residual checked.
 * Stateless; thread-safe (the backend is the caller's).
 */
public final class LowRankDelta {
    /** Relative row norm below which D's remaining rows count as zero (float64 D: its noise is ~1e-16). */
    public static final double RANK_TOLERANCE = 1e-9;
    /** Largest accepted relative residual of M·X = D·Q when only W' is known. */
    static final double SOLVE_TOLERANCE = 1e-9;

    /** One layer's factors: ΔW ≈ up·down, up out×r (row-major), down r×d, singular values descending. */
    public record Layer(String name, int out, int d, int rank, double[] up, double[] down, double[] singular) {
        /** ΔW from the first n components (out×d, row-major, float64). */
        public double[] delta(int n) {
            double[] w = new double[out * d];
            for (int i = 0; i < out; i++) {
                for (int k = 0; k < n; k++) {
                    double u = up[i * rank + k];
                    if (u == 0) continue;
                    for (int j = 0; j < d; j++) w[i * d + j] += u * down[k * d + j];
                }
            }
            return w;
        }

        /** ‖ΔW − ΔW_n‖_F / ‖ΔW‖_F, from the singular values (0 when ΔW is 0). */
        public double truncationError(int n) {
            double all = 0, tail = 0;
            for (int k = 0; k < rank; k++) {
                all += singular[k] * singular[k];
                if (k >= n) tail += singular[k] * singular[k];
            }
            return all == 0 ? 0 : Math.sqrt(tail / all);
        }
    }

    private LowRankDelta() {
    }

    /**
     * The factors of every layer from the base weights W: exact, C_l = W_l·(D·Q).
     *
     * @param m the shared factor M (d×d, row-major)
     * @param base W of every edited layer
     */
    public static List<Layer> fromBase(double[] m, int d, List<LayerWeights> base, LinalgBackend backend) {
        double[][] qdq = basis(m, d, backend);
        return layers(base, qdq[1], qdq[0], d, qdq[0].length / d, backend);
    }

    /**
     * The factors from the edited weights W' alone: C_l = W'_l·M⁻¹·D·Q (W = W'·M⁻¹).
     *
     * @param m the shared factor M
     * @param edited W' of every edited layer
     */
    public static List<Layer> fromEdited(double[] m, int d, List<LayerWeights> edited, LinalgBackend backend) {
        double[][] qdq = basis(m, d, backend);
        double[] q = qdq[0], dq = qdq[1];
        int r = q.length / d;
        return layers(edited, r == 0 ? dq : solve(m, d, dq, r, backend), q, d, r, backend);
    }

    /** {Q, D·Q}: D = M − I's row basis (d×r) and D·Q (d×r). */
    private static double[][] basis(double[] m, int d, LinalgBackend backend) {
        double[] dm = minusIdentity(m, d);
        double[] q = rowBasis(dm, d);
        int r = q.length / d;
        double[] dq = new double[d * r];
        if (r > 0) backend.gemm(false, false, d, r, d, 1.0, dm, q, 0.0, dq);
        return new double[][] {q, dq};
    }

    /** X (d×r) with M·X = B, by MᵀM·X = MᵀB (SPD) and one refinement step; refuses an ill-conditioned M. */
    static double[] solve(double[] m, int d, double[] b, int r, LinalgBackend backend) {
        double[] s = new double[d * d];
        backend.gemm(true, false, d, d, d, 1.0, m, m, 0.0, s);
        double[] x = normalSolve(m, s, d, b, r, backend);
        double[] res = b.clone();
        backend.gemm(false, false, d, r, d, -1.0, m, x, 1.0, res);
        double[] dx = normalSolve(m, s, d, res, r, backend);
        for (int i = 0; i < x.length; i++) x[i] += dx[i];
        res = b.clone();
        backend.gemm(false, false, d, r, d, -1.0, m, x, 1.0, res);
        double rel = norm(res) / Math.max(norm(b), Double.MIN_NORMAL);
        if (!(rel <= SOLVE_TOLERANCE)) {
            throw new InvalidInputException(String.format("the edit's factor M is too ill-conditioned to recover the base from the"
                    + " edited weights (residual %.2g); give the base model (--model) to export it exactly", rel));
        }
        return x;
    }

    /** Xᵀ = (BᵀM)·(MᵀM)⁻¹, i.e. X = (MᵀM)⁻¹MᵀB. */
    private static double[] normalSolve(double[] m, double[] s, int d, double[] b, int r, LinalgBackend backend) {
        double[] btm = new double[r * d];
        backend.gemm(true, false, r, d, d, 1.0, b, m, 0.0, btm);
        try {
            backend.solveRightSpd(s, d, btm, r);
        } catch (NotPositiveDefiniteException e) {
            throw new InvalidInputException("the edit's factor M is singular; give the base model (--model) to export it exactly");
        }
        double[] x = new double[d * r];
        for (int i = 0; i < r; i++) for (int j = 0; j < d; j++) x[j * r + i] = btm[i * d + j];
        return x;
    }

    /**
     * The K/V error of keeping n components on the rows X (rows×d): ‖Σ_l (ΔW_l − ΔW_l,n)·Xᵀ‖_F over
     * ‖Σ_l W'_l·Xᵀ‖_F, both summed in squares over the layers; the dropped part is up[:, n:]·(down[n:]·Xᵀ).
     */
    public static double rowError(List<Layer> layers, List<LayerWeights> edited, int n, float[] x, int rows, LinalgBackend backend) {
        double[] xd = dev.erasekit.linalg.Dense.toDouble(x);
        double num = 0, den = 0;
        for (int l = 0; l < layers.size(); l++) {
            Layer f = layers.get(l);
            int t = f.rank() - n, d = f.d(), out = f.out();
            double[] kv = new double[out * rows];
            backend.gemm(false, true, out, rows, d, 1.0, dev.erasekit.linalg.Dense.toDouble(edited.get(l).w().data()), xd, 0.0, kv);
            den += dot(kv, kv);
            if (t <= 0) continue;
            double[] downTail = java.util.Arrays.copyOfRange(f.down(), n * d, f.rank() * d), upTail = new double[out * t];
            for (int i = 0; i < out; i++) System.arraycopy(f.up(), i * f.rank() + n, upTail, i * t, t);
            double[] dx = new double[t * rows], drop = new double[out * rows];
            backend.gemm(false, true, t, rows, d, 1.0, downTail, xd, 0.0, dx);
            backend.gemm(false, false, out, rows, t, 1.0, upTail, dx, 0.0, drop);
            num += dot(drop, drop);
        }
        return den == 0 ? 0 : Math.sqrt(num / den);
    }

    private static List<Layer> layers(List<LayerWeights> weights, double[] dq, double[] q, int d, int r, LinalgBackend backend) {
        List<Layer> out = new ArrayList<>();
        for (LayerWeights l : weights) {
            if (l.width() != d) throw new InvalidInputException(l.name() + " takes width " + l.width() + ", the edit's factor " + d);
            int rows = l.out();
            double[] w = dev.erasekit.linalg.Dense.toDouble(l.w().data());
            double[] c = new double[rows * r];
            if (r > 0) backend.gemm(false, false, rows, r, d, 1.0, w, dq, 0.0, c);
            out.add(svd(l.name(), rows, d, r, c, q, backend));
        }
        return out;
    }

    /** ΔW = C·Qᵀ → (C·V)·(Q·V)ᵀ with CᵀC = V·Σ²·Vᵀ, components by descending σ. */
    private static Layer svd(String name, int rows, int d, int r, double[] c, double[] q, LinalgBackend backend) {
        if (r == 0) return new Layer(name, rows, d, 0, new double[0], new double[0], new double[0]);
        double[] g = new double[r * r];
        backend.gemm(true, false, r, r, rows, 1.0, c, c, 0.0, g);
        SymmetricEigen e = backend.eigh(g, r);
        double[] v = new double[r * r], sigma = new double[r];
        for (int k = 0; k < r; k++) { // descending: column k of v is eigenvector r-1-k
            int src = r - 1 - k;
            sigma[k] = Math.sqrt(Math.max(0, e.values()[src]));
            for (int i = 0; i < r; i++) v[i * r + k] = e.vector(src, i);
        }
        double[] up = new double[rows * r], qv = new double[d * r];
        backend.gemm(false, false, rows, r, r, 1.0, c, v, 0.0, up);
        backend.gemm(false, false, d, r, r, 1.0, q, v, 0.0, qv);
        double[] down = new double[r * d];
        for (int i = 0; i < d; i++) for (int k = 0; k < r; k++) down[k * d + i] = qv[i * r + k];
        return new Layer(name, rows, d, r, up, down, sigma);
    }

    private static double[] minusIdentity(double[] m, int d) {
        if (m.length != (long) d * d) throw new InvalidInputException("the shared factor must be " + d + "×" + d);
        double[] dm = m.clone();
        for (int i = 0; i < d; i++) dm[i * d + i] -= 1.0;
        for (double x : dm) if (!Double.isFinite(x)) throw new InvalidInputException("the edit's factor M holds non-finite values");
        return dm;
    }

    /**
     * An orthonormal basis Q (d×r, row-major) of the row space of A (d×d): pivoted modified Gram–Schmidt
     * with a second orthogonalisation pass, stopping at {@link #RANK_TOLERANCE} of the largest row norm.
     */
    static double[] rowBasis(double[] a, int d) {
        double[][] rows = new double[d][];
        double[] norm2 = new double[d];
        double max = 0;
        for (int i = 0; i < d; i++) {
            rows[i] = java.util.Arrays.copyOfRange(a, i * d, (i + 1) * d);
            norm2[i] = dot(rows[i], rows[i]);
            max = Math.max(max, norm2[i]);
        }
        double stop = RANK_TOLERANCE * RANK_TOLERANCE * max;
        List<double[]> basis = new ArrayList<>();
        boolean[] used = new boolean[d];
        while (basis.size() < d && max > 0) {
            int p = -1;
            double best = stop;
            for (int i = 0; i < d; i++) {
                if (used[i]) continue;
                norm2[i] = dot(rows[i], rows[i]); // recomputed: the downdated norm loses accuracy
                if (norm2[i] > best) { best = norm2[i]; p = i; }
            }
            if (p < 0) break;
            used[p] = true;
            double[] b = rows[p].clone();
            for (int pass = 0; pass < 2; pass++) {
                for (double[] e : basis) axpy(-dot(e, b), e, b);
            }
            double n = Math.sqrt(dot(b, b));
            if (n * n <= stop) continue;
            for (int j = 0; j < d; j++) b[j] /= n;
            basis.add(b);
            for (int i = 0; i < d; i++) if (!used[i]) axpy(-dot(b, rows[i]), b, rows[i]);
        }
        int r = basis.size();
        double[] q = new double[d * r];
        for (int k = 0; k < r; k++) for (int j = 0; j < d; j++) q[j * r + k] = basis.get(k)[j];
        return q;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < y.length; i++) y[i] += alpha * x[i];
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }
}
