package dev.erasekit.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SD v1.4 schedule against the reference values (float64): ᾱ to 1e-13, timesteps exactly,
 * Euler σ to 1e-12. LMS, Euler ancestral and DPM++ 2M have no reference file: checked against
 * identities (LMS's first step is Euler's; first-order DPM-Solver++ is DDIM).
 */
class SchedulerTest {
    private static final JsonNode REF = read();
    private static final SchedulerConfig SD14 = SchedulerConfig.of(REF.get("scheduler_config"));

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(Fixtures.path("scheduler/sd14_scheduler_reference.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] doubles(JsonNode n) {
        double[] v = new double[n.size()];
        for (int i = 0; i < v.length; i++) v[i] = n.get(i).asDouble();
        return v;
    }

    @Test
    void noiseSchedule() {
        double[] want = doubles(REF.get("alphas_cumprod_float64")), got = SD14.alphasCumprod();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-13, "ᾱ_" + i);
        double[] betas = doubles(REF.get("betas_float64")), gb = SD14.betas();
        for (int i = 0; i < betas.length; i++) assertEquals(betas[i], gb[i], 1e-16, "β_" + i);
    }

    @Test
    void pndmAndDdimTimesteps() {
        for (Map.Entry<String, JsonNode> e : REF.get("pndm_skip_prk_timesteps").properties()) {
            Scheduler s = Scheduler.create("pndm", SD14);
            s.setTimesteps(Integer.parseInt(e.getKey()));
            assertArrayEquals(doubles(e.getValue()), s.timesteps(), "PNDM " + e.getKey() + " steps");
        }
        for (Map.Entry<String, JsonNode> e : REF.get("ddim_timesteps_leading_offset1").properties()) {
            Scheduler s = Scheduler.create("ddim", SD14);
            s.setTimesteps(Integer.parseInt(e.getKey()));
            assertArrayEquals(doubles(e.getValue()), s.timesteps(), "DDIM " + e.getKey() + " steps");
        }
    }

    @Test
    void eulerTimestepsAndSigmas() {
        for (Map.Entry<String, JsonNode> e : REF.get("euler_discrete_linspace").properties()) {
            SigmaScheduler s = (SigmaScheduler) Scheduler.create("euler", SD14);
            s.setTimesteps(Integer.parseInt(e.getKey()));
            assertArrayEquals(doubles(e.getValue().get("timesteps")), s.timesteps(), 1e-12);
            assertArrayEquals(doubles(e.getValue().get("sigmas")), s.sigmas(), 1e-12);
            assertEquals(s.sigmas()[0], s.initNoiseSigma());
        }
    }

    @Test
    void lmsFirstStepIsEulerAndDpmFirstOrderIsDdim() {
        float[] x = new NoiseSource(1).gaussian(64), eps = new NoiseSource(2).gaussian(64);
        Scheduler lms = Scheduler.create("lms", SD14), euler = Scheduler.create("euler", SD14);
        lms.setTimesteps(20);
        euler.setTimesteps(20);
        assertArrayEquals(euler.step(eps, 0, x, null), lms.step(eps, 0, x, null), 1e-4f);
        Scheduler dpm = Scheduler.create("dpm++2m", SD14);
        dpm.setTimesteps(20);
        assertEquals(999, dpm.timesteps()[0]);
        int s0 = (int) dpm.timesteps()[0], t = (int) dpm.timesteps()[1];
        double[] a = SD14.alphasCumprod();
        float[] got = dpm.step(eps, 0, x, null);
        for (int k = 0; k < x.length; k++) {
            double x0 = (x[k] - Math.sqrt(1 - a[s0]) * eps[k]) / Math.sqrt(a[s0]);
            double ddim = Math.sqrt(a[t]) * x0 + Math.sqrt(1 - a[t]) * eps[k];
            assertEquals(ddim, got[k], 1e-4 * (1 + Math.abs(ddim)));
        }
        Scheduler ancestral = Scheduler.create("euler-a", SD14);
        ancestral.setTimesteps(20);
        float[] a1 = ancestral.step(eps, 0, x, new NoiseSource(3)), a2 = ancestral.step(eps, 0, x, new NoiseSource(3));
        assertArrayEquals(a1, a2, "deterministic for a seed");
        for (float v : a1) assertTrue(Float.isFinite(v));
    }
}
