package dev.erasekit.diffusion;

import java.util.SplittableRandom;

/**
 * Deterministic Gaussian noise from a seed: {@link SplittableRandom} (a fixed, documented
 * algorithm: SplitMix64) through the Box–Muller transform, one pair of uniforms per value.
 * The same seed gives the same latents on every JVM and platform; it is not torch's generator, so
 * to reproduce a diffusers run bit for bit pass its initial latents with {@code --latents}.
 * Not thread-safe: one per generation.
 */
public final class NoiseSource {
    private final SplittableRandom random;

    public NoiseSource(long seed) {
        random = new SplittableRandom(seed);
    }

    public float[] gaussian(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = 1 - random.nextDouble(), u2 = random.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return v;
    }
}
