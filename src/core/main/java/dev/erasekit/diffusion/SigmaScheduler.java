package dev.erasekit.diffusion;

/**
 * The σ-parameterised schedulers (Euler, Euler ancestral, LMS): timesteps spaced as the config says
 * ({@link Scheduler#spaced}), σ interpolated at them with a final 0, model input x/√(σ²+1), initial
 * noise × the largest σ, or × √(σ_max² + 1) with "leading" spacing (diffusers 0.20's init_noise_sigma).
 */
abstract class SigmaScheduler implements Scheduler {
    protected final SchedulerConfig c;
    private final String spacing;
    protected double[] timesteps, sigmas;

    /** @param diffusersClass the diffusers class this scheduler reproduces (whose spacing the config may set) */
    SigmaScheduler(SchedulerConfig c, String diffusersClass) {
        this.c = c;
        this.spacing = c.spacingFor(diffusersClass);
    }

    @Override
    public void setTimesteps(int steps) {
        timesteps = Scheduler.spaced(c, spacing, steps);
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
        return spacing.equals("leading") ? Math.sqrt(sigmas[0] * sigmas[0] + 1) : sigmas[0];
    }

    @Override
    public float[] scaleModelInput(float[] sample, int i) {
        double s = 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
        float[] out = new float[sample.length];
        for (int k = 0; k < out.length; k++) out[k] = (float) (sample[k] * s);
        return out;
    }
}
