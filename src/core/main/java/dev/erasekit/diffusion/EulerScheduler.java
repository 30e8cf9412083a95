package dev.erasekit.diffusion;

/**
 * Euler (diffusers' EulerDiscreteScheduler, s_churn 0) and Euler ancestral
 * (EulerAncestralDiscreteScheduler): σ-parameterised, linspace timesteps, model input x/√(σ²+1),
 * initial noise × max σ. Euler: x ← x + ε·(σ_next − σ). Ancestral: step to σ_down and add fresh
 * noise of σ_up, σ_up = √(σ_next²(σ² − σ_next²)/σ²), σ_down = √(σ_next² − σ_up²).
 */
final class EulerScheduler extends SigmaScheduler {
    private final boolean ancestral;

    EulerScheduler(SchedulerConfig c, boolean ancestral) {
        super(c, ancestral ? "EulerAncestralDiscreteScheduler" : "EulerDiscreteScheduler");
        this.ancestral = ancestral;
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
