package dev.erasekit.diffusion;

import dev.erasekit.error.InvalidInputException;
import java.util.List;

/**
 * One sampling scheduler, configured from {@code scheduler_config.json} (the diffusers contract):
 * {@link #setTimesteps}, then for each UNet call i: {@link #scaleModelInput}, the UNet at
 * {@code timesteps()[i]}, {@link #step}. Stateful (multistep methods keep history): one per run.
 * Implementations keep the state of one denoising run: not thread-safe; one per generation.
 */
public interface Scheduler {
    List<String> NAMES = List.of("pndm", "ddim", "euler", "euler-a", "lms", "dpm++2m");

    void setTimesteps(int steps);

    /** The UNet's timestep for each call (PNDM repeats one during its warm-up). */
    double[] timesteps();

    /** Initial latents = standard normal noise × this (1 for the ε-space schedulers). */
    default double initNoiseSigma() {
        return 1.0;
    }

    /** The UNet's input at call i (unchanged for the ε-space schedulers). */
    default float[] scaleModelInput(float[] sample, int i) {
        return sample;
    }

    /**
     * ᾱ at call i, the signal level of the UNet's input there (σ-schedulers: 1/(σ²+1)); a v-prediction
     * model's output becomes ε = √ᾱ·v + √(1−ᾱ)·x_in with it (Salimans & Ho 2022), the conversion diffusers'
     * schedulers apply.
     */
    double alphaBar(int i);

    /** x_{i+1} from ε at call i; {@code noise} is used only by stochastic schedulers. */
    float[] step(float[] eps, int i, float[] sample, NoiseSource noise);

    /** A scheduler by name; "default" is the one the config names. */
    static Scheduler create(String name, SchedulerConfig c) {
        String n = name.equals("default") ? switch (c.className()) {
            case "DDIMScheduler" -> "ddim";
            case "EulerDiscreteScheduler" -> "euler";
            case "EulerAncestralDiscreteScheduler" -> "euler-a";
            case "LMSDiscreteScheduler" -> "lms";
            case "DPMSolverMultistepScheduler" -> "dpm++2m";
            default -> "pndm";
        } : name.toLowerCase();
        return switch (n) {
            case "pndm" -> new PndmScheduler(c);
            case "ddim" -> new DdimScheduler(c);
            case "euler" -> new EulerScheduler(c, false);
            case "euler-a", "euler_a", "euler-ancestral" -> new EulerScheduler(c, true);
            case "lms" -> new LmsScheduler(c);
            case "dpm++2m", "dpmpp2m", "dpm++" -> new DpmSolverPlusPlus2M(c);
            default -> throw new InvalidInputException("unknown scheduler '" + name + "'; choose one of " + NAMES);
        };
    }

    /** Leading spacing with offset (PNDM, DDIM): t_k = k·⌊N/steps⌋ + offset, descending. */
    static int[] leading(SchedulerConfig c, int steps) {
        int ratio = c.trainSteps() / steps;
        int[] t = new int[steps];
        for (int k = 0; k < steps; k++) t[k] = (steps - 1 - k) * ratio + c.stepsOffset();
        return t;
    }

    /** Linspace spacing (Euler, LMS): steps values from N−1 down to 0, fractional. */
    static double[] linspace(SchedulerConfig c, int steps) {
        double[] t = new double[steps];
        for (int k = 0; k < steps; k++) t[k] = (c.trainSteps() - 1) * (1 - (steps == 1 ? 0 : (double) k / (steps - 1)));
        return t;
    }

    /**
     * The σ-schedulers' timesteps (diffusers 0.20 EulerDiscrete/LMS): "linspace" as {@link #linspace};
     * "leading" t_k = k·⌊N/steps⌋ + offset, descending; "trailing" t_k = N − k·N/steps − 1 (rounded),
     * descending. As doubles (σ is interpolated at them).
     */
    static double[] spaced(SchedulerConfig c, String spacing, int steps) {
        return switch (spacing) {
            case "leading" -> java.util.Arrays.stream(leading(c, steps)).asDoubleStream().toArray();
            case "trailing" -> {
                double ratio = (double) c.trainSteps() / steps;
                double[] t = new double[steps];
                for (int k = 0; k < steps; k++) t[k] = Math.rint(c.trainSteps() - k * ratio) - 1; // np.round: half to even
                yield t;
            }
            default -> linspace(c, steps);
        };
    }

    /** σ at fractional train steps (linear interpolation, as np.interp), with a final 0 appended. */
    static double[] sigmasAt(SchedulerConfig c, double[] timesteps) {
        double[] full = c.trainSigmas(), s = new double[timesteps.length + 1];
        for (int k = 0; k < timesteps.length; k++) {
            double t = timesteps[k];
            int lo = (int) Math.floor(t), hi = Math.min(lo + 1, full.length - 1);
            s[k] = full[lo] + (t - lo) * (full[hi] - full[lo]);
        }
        return s;
    }
}
