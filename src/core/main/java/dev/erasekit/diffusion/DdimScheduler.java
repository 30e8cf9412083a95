package dev.erasekit.diffusion;

/**
 * DDIM, deterministic (η = 0; diffusers' DDIMScheduler): x̂₀ = (x − √(1−ᾱ_t)·ε)/√ᾱ_t,
 * x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev)·ε. Leading timestep spacing with steps_offset.
 */
final class DdimScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final double[] alphas;
    private final double finalAlpha;
    private double[] timesteps;
    private int ratio;

    DdimScheduler(SchedulerConfig c) {
        c.requireSpacing("DDIMScheduler", java.util.Set.of("leading"));
        this.c = c;
        this.alphas = c.alphasCumprod();
        this.finalAlpha = c.setAlphaToOne() ? 1.0 : alphas[0];
    }

    @Override
    public void setTimesteps(int steps) {
        ratio = c.trainSteps() / steps;
        timesteps = java.util.Arrays.stream(Scheduler.leading(c, steps)).asDoubleStream().toArray();
    }

    @Override
    public double alphaBar(int i) {
        return alphas[(int) timesteps()[i]];
    }

    @Override
    public double[] timesteps() {
        return timesteps;
    }

    @Override
    public float[] step(float[] eps, int i, float[] sample, NoiseSource noise) {
        int t = (int) timesteps[i], prev = t - ratio;
        double at = alphas[t], ap = prev >= 0 ? alphas[prev] : finalAlpha;
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) {
            double x0 = (sample[k] - Math.sqrt(1 - at) * eps[k]) / Math.sqrt(at);
            out[k] = (float) (Math.sqrt(ap) * x0 + Math.sqrt(1 - ap) * eps[k]);
        }
        return out;
    }
}
