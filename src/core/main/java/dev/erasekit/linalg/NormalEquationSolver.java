package dev.erasekit.linalg;

import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Solves {@link NormalEquations} in closed form (docs/methods.md §2):
 * <pre>
 *   W'_l = (λ W_l + s_e Σ vᵢ* cᵢᵀ + s_p Σ W_l cⱼcⱼᵀ) · (λI + s_e Σ cᵢcᵢᵀ + s_p Σ cⱼcⱼᵀ)⁻¹
 * </pre>
 * Shared-factor path (targets vᵢ* = W_l gᵢ, one λ): the right factor B does not depend on the layer
 * and the left one is W_l·A₀ with A₀ = λI + s_e GᵀC + s_p PᵀP, so W'_l = W_l·M, M = A₀B⁻¹: one
 * Gram, one Cholesky, one GEMM over all stacked layers. General path: one system per layer, built
 * and factored for each layer as the reference implementations do. All systems are float64.
 * Thread-safe if its backend is (every backend here is).
 */
public final class NormalEquationSolver {
    private final LinalgBackend backend;

    public NormalEquationSolver(LinalgBackend backend) {
        this.backend = backend;
    }

    public LinalgBackend backend() {
        return backend;
    }

    /** The shared path whenever it is valid, the general path otherwise. */
    public SolveResult solve(NormalEquations p) {
        return p.sharedFactorValid() ? solveShared(p) : solveGeneral(p);
    }

    /** The d×d shared factor M alone (the edit as an embedding transform, docs/methods.md §5). */
    public double[] sharedFactor(NormalEquations p, StageTimes times) {
        if (!p.sharedFactorValid()) {
            throw new IllegalArgumentException("the shared factor needs guide-row targets and one λ for all layers");
        }
        return sharedFactor(p.eraseRows(), ((Targets.Guide) p.targets()).rows(), p.preserveRows(), p.lambdas()[0],
                p.eraseScale(), p.preserveScale(), times);
    }

    /**
     * M = A₀·B⁻¹ from the rows alone (no layers needed): B = λI + s_e CᵀC + s_p PᵀP,
     * A₀ = λI + s_e GᵀC + s_p PᵀP = B + s_e (G − C)ᵀ C (docs/methods.md §2).
     */
    public double[] sharedFactor(FloatMatrix c, FloatMatrix g, FloatMatrix preserve, double lambda, double eraseScale,
                                 double preserveScale, StageTimes times) {
        int d = c.cols();
        double[] b = times.time("build", () -> {
            double[] r = Dense.identity(d, lambda);
            backend.gramAccumulate(r, d, c.data(), c.rows(), eraseScale);
            if (preserve.rows() > 0) backend.gramAccumulate(r, d, preserve.data(), preserve.rows(), preserveScale);
            return r;
        });
        double[] m = times.time("build", () -> {
            double[] a0 = b.clone();
            double[] diff = new double[c.data().length];
            for (int i = 0; i < diff.length; i++) diff[i] = (double) g.data()[i] - c.data()[i];
            backend.gemm(true, false, d, d, c.rows(), eraseScale, diff, Dense.toDouble(c.data()), 1.0, a0);
            return a0;
        });
        times.time("solve", () -> solveRight(b, d, m, d, lambda)); // M = A₀·B⁻¹
        return m;
    }

    /**
     * The same factor in low-rank form (docs/methods.md §2): M − I = s_e (G − C)ᵀ·C·B⁻¹ = U·V with
     * U = s_e (G − C)ᵀ (d×k) and V = C·B⁻¹ (k×d), k the erase rows. Costs the Gram of B and a solve
     * with k right-hand sides, instead of d.
     */
    public SharedFactor lowRankFactor(FloatMatrix c, FloatMatrix g, FloatMatrix preserve, double lambda, double eraseScale,
                                      double preserveScale, StageTimes times) {
        return lowRankFactor(Dense.toDouble(c.data()), c.rows(), g, preserve, lambda, eraseScale, preserveScale, times);
    }

    /**
     * {@link #lowRankFactor(FloatMatrix, FloatMatrix, FloatMatrix, double, double, double, StageTimes)} for erase rows
     * held in float64 (k×d, row-major): RECE's derived embeddings, kept at full precision between epochs.
     */
    public SharedFactor lowRankFactor(double[] c, int k, FloatMatrix g, FloatMatrix preserve, double lambda,
                                      double eraseScale, double preserveScale, StageTimes times) {
        int d = g.cols(), r = k + preserve.rows();
        double[] u = new double[d * k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < d; j++) u[j * k + i] = eraseScale * (g.data()[i * d + j] - c[i * d + j]);
        }
        double[] v;
        if (lambda > 0 && eraseScale > 0 && 2 * r <= d) {
            v = pushThrough(c, k, preserve, lambda, eraseScale, preserveScale, times);
        } else {
            double[] b = times.time("build", () -> {
                double[] x = Dense.identity(d, lambda);
                backend.gemm(true, false, d, d, k, eraseScale, c, c, 1.0, x); // s_e CᵀC
                if (preserve.rows() > 0) backend.gramAccumulate(x, d, preserve.data(), preserve.rows(), preserveScale);
                return x;
            });
            v = c.clone();
            times.time("solve", () -> solveRight(b, d, v, k, lambda)); // V = C·B⁻¹
        }
        return times.time("solve", () -> SharedFactor.lowRank(d, u, v, k, backend));
    }

    /**
     * V = C·B⁻¹ without a d×d system, for few rows (r = k + p ≤ d/2) and λ > 0. With Zᵀ = [√s_e C ; √s_p P]
     * (r×d), B = λI_d + Z·Zᵀ, and the push-through identity Zᵀ(λI_d + ZZᵀ)⁻¹ = (λI_r + ZᵀZ)⁻¹Zᵀ gives
     * C·B⁻¹ = (1/√s_e)·[the first k rows of (λI_r + ZᵀZ)⁻¹·Zᵀ]: one r×r Cholesky, O(r²d), no cancellation.
     */
    private double[] pushThrough(double[] c, int k, FloatMatrix preserve, double lambda, double eraseScale,
                                 double preserveScale, StageTimes times) {
        int d = preserve.cols(), p = preserve.rows(), r = k + p;
        double se = Math.sqrt(eraseScale), sp = Math.sqrt(preserveScale);
        double[] z = new double[d * r]; // Z (d×r): column i is row i of Zᵀ
        double[] a = times.time("build", () -> {
            for (int i = 0; i < k; i++) for (int j = 0; j < d; j++) z[j * r + i] = se * c[i * d + j];
            for (int i = 0; i < p; i++) for (int j = 0; j < d; j++) z[j * r + k + i] = sp * preserve.data()[i * d + j];
            double[] x = Dense.identity(r, lambda);
            backend.gemm(true, false, r, r, d, 1.0, z, z, 1.0, x);      // λI_r + ZᵀZ
            return x;
        });
        times.time("solve", () -> solveRight(a, r, z, d, lambda));       // Z·(λI_r + ZᵀZ)⁻¹ (d×r), its transpose is the result
        double[] v = new double[k * d];
        for (int i = 0; i < k; i++) for (int j = 0; j < d; j++) v[i * d + j] = z[j * r + i] / se;
        return v;
    }

    /**
     * M = A₀·B⁻¹ from second moments alone (docs/methods.md §2): B = λI + s_e·S_cc + s_p·S_pp and
     * A₀ = λI + s_e·S_gc + s_p·S_pp, with S_cc = CᵀC, S_gc = GᵀC and S_pp = PᵀP (d×d each). What an
     * edit of many rows costs once the moments are known: O(d³), however many rows.
     */
    public SharedFactor momentFactor(double[] scc, double[] sgc, double[] spp, double lambda, double eraseScale,
                                     double preserveScale, StageTimes times) {
        int d = (int) Math.round(Math.sqrt(scc.length));
        double[] b = Dense.identity(d, lambda), a0 = Dense.identity(d, lambda);
        for (int i = 0; i < b.length; i++) {
            double p = spp == null ? 0 : preserveScale * spp[i];
            b[i] += eraseScale * scc[i] + p;
            a0[i] += eraseScale * sgc[i] + p;
        }
        times.time("solve", () -> solveRight(b, d, a0, d, lambda));
        return SharedFactor.dense(a0);
    }

    /** rhs := rhs·B⁻¹, with a failure explained in terms of λ and the rows. */
    private void solveRight(double[] b, int d, double[] rhs, int m, double lambda) {
        try {
            backend.solveRightSpd(b, d, rhs, m);
        } catch (NotPositiveDefiniteException e) {
            throw e.because(lambda == 0
                    ? "with λ = 0 the erase and preserve rows must span all " + d + " dimensions, and they do not;"
                            + " use λ > 0 (UCE's default is 0.5)"
                    : "λ = " + lambda + " is below 1e-12 of the rows' scale (largest diagonal " + Dense.maxDiagonal(b, d)
                            + "); use a larger λ");
        }
    }

    /** W_l·M for every layer, by one GEMM over the stacked weights; results in each layer's dtype. */
    public List<LayerWeights> fold(List<LayerWeights> layers, double[] m, StageTimes times) {
        return fold(layers, SharedFactor.dense(m), times);
    }

    /**
     * W_l·M for every layer: W + (W·U)·V when the factor is low-rank enough (cost ∝ its rank), one GEMM
     * with M otherwise; results in each layer's dtype.
     */
    public List<LayerWeights> fold(List<LayerWeights> layers, SharedFactor f, StageTimes times) {
        int d = layers.getFirst().width();
        float[][] w = new float[layers.size()][];
        for (int l = 0; l < w.length; l++) w[l] = layers.get(l).w().data();
        float[][] folded = times.time("fold", () -> backend.fold(w, d, f));
        List<LayerWeights> out = new ArrayList<>();
        for (int l = 0; l < w.length; l++) out.add(layers.get(l).withValues(folded[l]));
        return out;
    }

    public SolveResult solveShared(NormalEquations p) {
        StageTimes times = new StageTimes();
        double[] m = sharedFactor(p, times);
        return new SolveResult(fold(p.layers(), m, times), Optional.of(m), SolveResult.Path.SHARED, times);
    }

    public SolveResult solveGeneral(NormalEquations p) {
        StageTimes times = new StageTimes();
        int d = p.width();
        FloatMatrix c = p.eraseRows();
        double[] cd = Dense.toDouble(c.data());
        List<LayerWeights> out = new ArrayList<>();
        for (int l = 0; l < p.layers().size(); l++) {
            LayerWeights layer = p.layers().get(l);
            double lambda = p.lambdas()[l];
            int outRows = layer.out();
            double[] w = Dense.toDouble(layer.w().data());
            // B_l = λ_l I + s_e CᵀC + s_p PᵀP, formed again for every layer (what "one system per
            // layer" costs: the reference implementations do the same).
            double[] preserveGram = times.time("build", () -> gram(p.preserveRows(), d, 1.0));
            double[] b = times.time("build", () -> {
                double[] r = gram(c, d, p.eraseScale());
                for (int i = 0; i < r.length; i++) r[i] += p.preserveScale() * preserveGram[i];
                for (int i = 0; i < d; i++) r[i * d + i] += lambda;
                return r;
            });
            double[] v = targetsOf(p, l, w, outRows);
            double[] a = times.time("build", () -> {
                // A_l = λ W + s_e Vᵀ C + s_p W (PᵀP)
                double[] r = new double[w.length];
                for (int i = 0; i < r.length; i++) r[i] = lambda * w[i];
                backend.gemm(true, false, outRows, d, c.rows(), p.eraseScale(), v, cd, 1.0, r);
                if (p.preserveRows().rows() > 0) {
                    backend.gemm(false, false, outRows, d, d, p.preserveScale(), w, preserveGram, 1.0, r);
                }
                return r;
            });
            times.time("solve", () -> solveRight(b, d, a, outRows, lambda)); // W'_l = A_l·B_l⁻¹
            float[] edited = new float[a.length];
            for (int i = 0; i < a.length; i++) edited[i] = (float) a[i];
            out.add(layer.withValues(edited));
        }
        return new SolveResult(out, Optional.empty(), SolveResult.Path.GENERAL, times);
    }

    private double[] gram(FloatMatrix rows, int d, double alpha) {
        double[] g = new double[d * d];
        if (rows.rows() > 0) backend.gramAccumulate(g, d, rows.data(), rows.rows(), alpha);
        return g;
    }

    /** V_l (n_e×out): given per layer, or W_l·gᵢ for guide rows. */
    private double[] targetsOf(NormalEquations p, int layer, double[] w, int outRows) {
        return switch (p.targets()) {
            case Targets.PerLayer t -> Dense.toDouble(t.values().get(layer).data());
            case Targets.Guide g -> {
                double[] v = new double[g.rows().rows() * outRows];
                backend.gemm(false, true, g.rows().rows(), outRows, p.width(), 1.0, Dense.toDouble(g.rows().data()),
                        w, 0.0, v);
                yield v;
            }
        };
    }
}
