package dev.erasekit.diffusion;

import java.util.ArrayList;
import java.util.List;

/**
 * Linear multistep (diffusers' LMSDiscreteScheduler, order 4) on the σ-parameterised ODE:
 * x ← x + Σ_k c_k·d_{i−k}, d = ε, with c_k = ∫_{σ_i}^{σ_{i+1}} Π_{j≠k} (τ − σ_{i−j})/(σ_{i−k} − σ_{i−j}) dτ.
 * The integrand is a polynomial of degree &lt; 4, so 3-point Gauss–Legendre is exact (diffusers uses
 * scipy's adaptive quadrature for the same integral).
 */
final class LmsScheduler extends SigmaScheduler {
    private static final int ORDER = 4;
    private static final double[] GL_X = {-Math.sqrt(0.6), 0, Math.sqrt(0.6)}, GL_W = {5 / 9.0, 8 / 9.0, 5 / 9.0};
    private final List<float[]> derivatives = new ArrayList<>();

    LmsScheduler(SchedulerConfig c) {
        super(c, "LMSDiscreteScheduler");
    }

    @Override
    public void setTimesteps(int steps) {
        super.setTimesteps(steps);
        derivatives.clear();
    }

    @Override
    public float[] step(float[] eps, int i, float[] sample, NoiseSource noise) {
        derivatives.add(eps);
        if (derivatives.size() > ORDER) derivatives.removeFirst();
        int order = Math.min(i + 1, ORDER);
        double[] coeff = new double[order];
        for (int k = 0; k < order; k++) coeff[k] = coefficient(order, i, k);
        float[] out = sample.clone();
        for (int k = 0; k < order; k++) {
            float[] d = derivatives.get(derivatives.size() - 1 - k);
            for (int j = 0; j < out.length; j++) out[j] += (float) (coeff[k] * d[j]);
        }
        return out;
    }

    private double coefficient(int order, int t, int current) {
        double a = sigmas[t], b = sigmas[t + 1], sum = 0;
        for (int q = 0; q < GL_X.length; q++) {
            double tau = (a + b) / 2 + (b - a) / 2 * GL_X[q], prod = 1;
            for (int k = 0; k < order; k++) {
                if (k != current) prod *= (tau - sigmas[t - k]) / (sigmas[t - current] - sigmas[t - k]);
            }
            sum += GL_W[q] * prod;
        }
        return sum * (b - a) / 2;
    }
}
