package dev.erasekit.diffusion;

import java.util.ArrayList;
import java.util.List;

/**
 * PNDM with {@code skip_prk_steps} (SD v1.4's default; diffusers' PNDMScheduler.step_plms): linear
 * multistep on ε with the pseudo-numerical update
 * x_prev = √(ᾱ_prev/ᾱ_t)·x − (ᾱ_prev − ᾱ_t)·ε / (ᾱ_t·√(1−ᾱ_prev) + √(ᾱ_t(1−ᾱ_t)ᾱ_prev)).
 * The warm-up evaluates the first timestep twice (steps + 1 UNet calls).
 */
final class PndmScheduler implements Scheduler {
    private final SchedulerConfig c;
    private final double[] alphas;
    private final double finalAlpha;
    private int steps;
    private double[] timesteps;
    private final List<float[]> ets = new ArrayList<>();
    private float[] curSample;
    private int counter;

    PndmScheduler(SchedulerConfig c) {
        c.requireSpacing("PNDMScheduler", java.util.Set.of("leading"));
        this.c = c;
        this.alphas = c.alphasCumprod();
        this.finalAlpha = c.setAlphaToOne() ? 1.0 : alphas[0];
    }

    @Override
    public void setTimesteps(int steps) {
        if (!c.skipPrkSteps()) {
            throw new dev.erasekit.error.CorruptFileException("PNDM with Runge–Kutta warm-up (skip_prk_steps false) is not supported");
        }
        this.steps = steps;
        int[] t = Scheduler.leading(c, steps);          // descending
        // diffusers: concat(t[:-1], t[-2:-1], t[-1:])[::-1] = [t0, t1, t1, t2, ..., t_last]
        List<Double> list = new ArrayList<>();
        for (int k = 0; k < t.length; k++) {
            list.add((double) t[k]);
            if (k == 1) list.add((double) t[k]);
        }
        if (t.length == 1) list.add((double) t[0]);
        timesteps = list.stream().mapToDouble(Double::doubleValue).toArray();
        ets.clear();
        curSample = null;
        counter = 0;
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
        int ratio = c.trainSteps() / steps;
        int t = (int) timesteps[i];
        int prev = t - ratio;
        if (counter != 1) {
            while (ets.size() > 3) ets.removeFirst();
            ets.add(eps);
        } else {
            prev = t;
            t = t + ratio;
        }
        float[] e;
        float[] x = sample;
        int n = ets.size();
        if (n == 1 && counter == 0) {
            e = eps;
            curSample = sample;
        } else if (n == 1 && counter == 1) {
            e = combine(new double[] {0.5, 0.5}, eps, ets.get(0));
            x = curSample;
            curSample = null;
        } else if (n == 2) {
            e = combine(new double[] {1.5, -0.5}, ets.get(1), ets.get(0));
        } else if (n == 3) {
            e = combine(new double[] {23 / 12.0, -16 / 12.0, 5 / 12.0}, ets.get(2), ets.get(1), ets.get(0));
        } else {
            e = combine(new double[] {55 / 24.0, -59 / 24.0, 37 / 24.0, -9 / 24.0}, ets.get(n - 1), ets.get(n - 2),
                    ets.get(n - 3), ets.get(n - 4));
        }
        counter++;
        double at = alphas[t], ap = prev >= 0 ? alphas[prev] : finalAlpha;
        double sampleCoeff = Math.sqrt(ap / at);
        double denom = at * Math.sqrt(1 - ap) + Math.sqrt(at * (1 - at) * ap);
        float[] out = new float[x.length];
        for (int k = 0; k < out.length; k++) out[k] = (float) (sampleCoeff * x[k] - (ap - at) * e[k] / denom);
        return out;
    }

    private static float[] combine(double[] w, float[]... v) {
        float[] out = new float[v[0].length];
        for (int k = 0; k < out.length; k++) {
            double s = 0;
            for (int j = 0; j < w.length; j++) s += w[j] * v[j][k];
            out[k] = (float) s;
        }
        return out;
    }
}
