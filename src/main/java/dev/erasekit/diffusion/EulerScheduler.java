package dev.erasekit.diffusion;

/**
 * Euler (diffusers' EulerDiscreteScheduler, s_churn 0) and Euler ancestral
 * (EulerAncestralDiscreteScheduler): σ-parameterised, linspace timesteps, model input x/√(σ²+1),
 * initial noise × max σ. Euler: x ← x + ε·(σ_next − σ). Ancestral: step to σ_down and add fresh
 * noise of σ_up, σ_up = √(σ_next²(σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²).
 */
final class EulerScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final boolean ancestral;
    private double[] timesteps, sigmas;

    EulerScheduler(SchedulerConfig c, boolean ancestral) {
        this.c = c;
        this.ancestral = ancestral;
    }

    @Override
    public void setTimesteps(int steps) {
        timesteps = Scheduler.linspace(c, steps);
        sigmas = Scheduler.sigmasAt(c, timesteps);
    }

    double[] sigmas() {
        return sigmas;
    }

    @Override
    public double[] timesteps() {
        return timesteps;
    }

    /** diffusers ≥ 0.20 with linspace spacing: the largest σ. */
    @Override
    public double initNoiseSigma() {
        return sigmas[0];
    }

    @Override
    public float[] scaleModelInput(float[] sample, int i) {
        double s = 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = (float) (sample[k] * s);
        return out;
    }

    @Override
    public float[] step(float[] eps, int i, float[] sample, NoiseSource noise) {
        double sigma = sigmas[i], next = sigmas[i + 1];
        double down = next, up = 0;
        if (ancestral) {
            up = Math.sqrt(next * next * (sigma * sigma - next * next) / (sigma * sigma));
            down = Math.sqrt(next * next - up * up);
        }
        float[] z = up > 0 ? noise.gaussian(sample.length) : null;
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) {
            double x = sample[k] + eps[k] * (down - sigma);
            out[k] = (float) (z == null ? x : x + z[k] * up);
        }
        return out;
    }
}
