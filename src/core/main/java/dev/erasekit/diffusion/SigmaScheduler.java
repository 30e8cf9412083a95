package dev.erasekit.diffusion;

/**
 * The σ-parameterised schedulers (Euler, Euler ancestral, LMS): linspace timesteps, σ interpolated
 * at them with a final 0, model input x/√(σ²+1), initial noise × the largest σ (diffusers ≥ 0.20
 * with linspace spacing).
 */
abstract class SigmaScheduler implements Scheduler {
    protected final SchedulerConfig c;
    protected double[] timesteps, sigmas;

    SigmaScheduler(SchedulerConfig c) {
        this.c = c;
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

    @Override
    public double alphaBar(int i) {
        return 1 / (sigmas[i] * sigmas[i] + 1);
    }

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
}
