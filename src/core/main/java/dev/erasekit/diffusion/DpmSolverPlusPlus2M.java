package dev.erasekit.diffusion;

/**
 * DPM-Solver++(2M) (diffusers' DPMSolverMultistepScheduler: algorithm dpmsolver++, order 2,
 * midpoint, lower_order_final): in λ = log(α/σ) with α = √ᾱ, σ = √(1−ᾱ) and x̂₀ = (x − σε)/α,
 * first order x_t = (σ_t/σ_s)x − α_t(e^{−h} − 1)x̂₀, second order adds −½α_t(e^{−h} − 1)·(x̂₀ − x̂₀')/r.
 * Timesteps: linspace(0, N−1, steps+1) rounded, descending, the last dropped.
 */
final class DpmSolverPlusPlus2M implements Scheduler {
    private final SchedulerConfig c;
    private final double[] alphas;
    private double[] timesteps;
    private float[] previousX0;
    private int lowerOrderSteps;

    DpmSolverPlusPlus2M(SchedulerConfig c) {
        c.requireSpacing("DPMSolverMultistepScheduler", java.util.Set.of("linspace"));
        this.c = c;
        this.alphas = c.alphasCumprod();
    }

    @Override
    public void setTimesteps(int steps) {
        timesteps = new double[steps];
        for (int k = 0; k < steps; k++) {
            timesteps[k] = Math.round((c.trainSteps() - 1) * (double) (steps - k) / steps);
        }
        previousX0 = null;
        lowerOrderSteps = 0;
    }

    @Override
    public double alphaBar(int i) {
        return alphas[(int) timesteps()[i]];
    }

    @Override
    public double[] timesteps() {
        return timesteps;
    }

    private double alpha(int t) {
        return Math.sqrt(alphas[t]);
    }

    private double sigma(int t) {
        return Math.sqrt(1 - alphas[t]);
    }

    private double lambda(int t) {
        return Math.log(alpha(t)) - Math.log(sigma(t));
    }

    @Override
    public float[] step(float[] eps, int i, float[] sample, NoiseSource noise) {
        int s0 = (int) timesteps[i], t = i + 1 < timesteps.length ? (int) timesteps[i + 1] : 0;
        float[] x0 = new float[sample.length];
        for (int k = 0; k < x0.length; k++) x0[k] = (float) ((sample[k] - sigma(s0) * eps[k]) / alpha(s0));
        boolean lowerOrderFinal = i == timesteps.length - 1 && timesteps.length < 15;
        double h = lambda(t) - lambda(s0), em = Math.expm1(-h);
        float[] out = new float[sample.length];
        if (previousX0 == null || lowerOrderSteps < 1 || lowerOrderFinal) {
            for (int k = 0; k < out.length; k++) out[k] = (float) (sigma(t) / sigma(s0) * sample[k] - alpha(t) * em * x0[k]);
        } else {
            int s1 = (int) timesteps[i - 1];
            double r0 = (lambda(s0) - lambda(s1)) / h;
            for (int k = 0; k < out.length; k++) {
                double d1 = (x0[k] - previousX0[k]) / r0;
                out[k] = (float) (sigma(t) / sigma(s0) * sample[k] - alpha(t) * em * x0[k] - 0.5 * alpha(t) * em * d1);
            }
        }
        previousX0 = x0;
        lowerOrderSteps++;
        return out;
    }
}
