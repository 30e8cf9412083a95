package dev.erasekit.diffusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A diffusers {@code scheduler_config.json} (docs/methods.md §1; SD v1.4: PNDM, 1000 steps, scaled_linear
 * 0.00085 → 0.012, steps_offset 1, skip_prk_steps, set_alpha_to_one false). The noise schedule is
 * computed in float64 (diffusers uses float32: the two differ by ~1e-7 relative).
 * Immutable; thread-safe.
 */
public record SchedulerConfig(String className, int trainSteps, double betaStart, double betaEnd, String betaSchedule,
                              int stepsOffset, boolean skipPrkSteps, boolean setAlphaToOne, String predictionType,
                              String timestepSpacing) {
    /** The {@code timestep_spacing} values diffusers defines. */
    public static final java.util.List<String> SPACINGS = java.util.List.of("linspace", "leading", "trailing");

    public static SchedulerConfig read(Path file) {
        try {
            return of(new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new CorruptFileException("cannot read the scheduler config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Refuses a step count the schedule cannot take (more inference steps than training timesteps). */
    public void checkSteps(int steps) {
        if (steps < 1 || steps > trainSteps) {
            throw new InvalidInputException("steps must be between 1 and the model's " + trainSteps + " training timesteps, got "
                    + steps);
        }
    }

    public static SchedulerConfig of(JsonNode j) {
        SchedulerConfig c = new SchedulerConfig(j.path("_class_name").asText("PNDMScheduler"),
                j.path("num_train_timesteps").asInt(1000), j.path("beta_start").asDouble(0.00085),
                j.path("beta_end").asDouble(0.012), j.path("beta_schedule").asText("scaled_linear"),
                j.path("steps_offset").asInt(0), j.path("skip_prk_steps").asBoolean(false),
                j.path("set_alpha_to_one").asBoolean(false), j.path("prediction_type").asText("epsilon"),
                j.path("timestep_spacing").isTextual() ? j.path("timestep_spacing").asText() : null);
        if (c.timestepSpacing != null && !SPACINGS.contains(c.timestepSpacing)) {
            throw new CorruptFileException("scheduler config: timestep_spacing " + c.timestepSpacing + " is not one of " + SPACINGS);
        }
        if (j.path("use_karras_sigmas").asBoolean(false)) {
            throw new CorruptFileException("scheduler config: use_karras_sigmas true is not supported (Karras σ spacing)");
        }
        if (j.has("interpolation_type") && !j.path("interpolation_type").asText().equals("linear")) {
            throw new CorruptFileException("scheduler config: interpolation_type " + j.path("interpolation_type").asText()
                    + " is not supported (linear is)");
        }
        if (c.trainSteps < 1 || c.trainSteps > 100_000) {
            throw new CorruptFileException("scheduler config: num_train_timesteps must be between 1 and 100000, got " + c.trainSteps);
        }
        if (!(c.betaStart > 0 && c.betaStart < 1 && c.betaEnd > 0 && c.betaEnd < 1 && c.betaStart <= c.betaEnd)) {
            throw new CorruptFileException("scheduler config: need 0 < beta_start ≤ beta_end < 1, got " + c.betaStart + " and "
                    + c.betaEnd);
        }
        if (c.stepsOffset < 0 || c.stepsOffset >= c.trainSteps) {
            throw new CorruptFileException("scheduler config: steps_offset " + c.stepsOffset + " is outside [0, " + c.trainSteps + ")");
        }
        if (!c.predictionType.equals("epsilon") && !c.predictionType.equals("v_prediction")) {
            throw new CorruptFileException("prediction_type " + c.predictionType + " is not supported (epsilon and v_prediction are)");
        }
        return c;
    }

    /**
     * The timestep spacing scheduler class {@code schedulerClass} runs with: the config's
     * {@code timestep_spacing} when the config is that class's own (diffusers loads it with the pipeline),
     * else that class's diffusers 0.20 default (PNDM, DDIM: "leading"; Euler, LMS, DPM-Solver: "linspace"),
     * as a scheduler built afresh for the model's betas gets it.
     */
    public String spacingFor(String schedulerClass) {
        if (schedulerClass.equals(className) && timestepSpacing != null) return timestepSpacing;
        return switch (schedulerClass) {
            case "PNDMScheduler", "DDIMScheduler" -> "leading";
            default -> "linspace";
        };
    }

    /**
     * {@link #spacingFor}, refused unless {@code implemented} (a scheduler here implements the spacings its
     * diffusers class is used with), rather than sampled at the wrong timesteps.
     */
    public String requireSpacing(String schedulerClass, java.util.Set<String> implemented) {
        String s = spacingFor(schedulerClass);
        if (!implemented.contains(s)) {
            throw new InvalidInputException("scheduler config: " + schedulerClass + " with timestep_spacing " + s
                    + " is not supported (" + implemented + " is)");
        }
        return s;
    }

    /** Whether the model predicts v = √ᾱ·ε − √(1−ᾱ)·x₀ (SD 2.x 768-v) rather than ε. */
    public boolean vPrediction() {
        return predictionType.equals("v_prediction");
    }

    /** β_t: "scaled_linear" (linspace of √β, squared) or "linear". */
    public double[] betas() {
        double[] b = new double[trainSteps];
        for (int i = 0; i < trainSteps; i++) {
            double f = trainSteps == 1 ? 0 : (double) i / (trainSteps - 1);
            b[i] = switch (betaSchedule) {
                case "scaled_linear" -> Math.pow(Math.sqrt(betaStart) + f * (Math.sqrt(betaEnd) - Math.sqrt(betaStart)), 2);
                case "linear" -> betaStart + f * (betaEnd - betaStart);
                default -> throw new CorruptFileException("beta_schedule " + betaSchedule + " is not supported");
            };
        }
        return b;
    }

    /** ᾱ_t = Π (1 − β_s). */
    public double[] alphasCumprod() {
        double[] b = betas(), a = new double[trainSteps];
        double p = 1;
        for (int i = 0; i < trainSteps; i++) a[i] = p *= 1 - b[i];
        return a;
    }

    /** σ_t = √((1 − ᾱ_t)/ᾱ_t), the Karras/EDM noise level of train step t. */
    public double[] trainSigmas() {
        double[] a = alphasCumprod(), s = new double[trainSteps];
        for (int i = 0; i < trainSteps; i++) s[i] = Math.sqrt((1 - a[i]) / a[i]);
        return s;
    }
}
