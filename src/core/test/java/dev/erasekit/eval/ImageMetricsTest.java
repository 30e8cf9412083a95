package dev.erasekit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.diffusion.NoiseSource;
import org.junit.jupiter.api.Test;

class ImageMetricsTest {
    @Test
    void psnrAndSsim() {
        int w = 32, h = 32;
        float[] a = new float[3 * w * h];
        for (int i = 0; i < a.length; i++) a[i] = (i % w) / (float) w;
        assertEquals(Double.POSITIVE_INFINITY, ImageMetrics.psnr(a, a));
        assertEquals(1.0, ImageMetrics.ssim(a, a, w, h), 1e-12);
        float[] noise = new NoiseSource(1).gaussian(a.length), b = a.clone();
        for (int i = 0; i < b.length; i++) b[i] = Math.clamp(b[i] + 0.05f * noise[i], 0f, 1f);
        double psnr = ImageMetrics.psnr(a, b);
        assertTrue(psnr > 24 && psnr < 28, "σ = 0.05 noise gives about 26 dB: " + psnr);
        double ssim = ImageMetrics.ssim(a, b, w, h);
        assertTrue(ssim > 0.2 && ssim < 0.95, "ssim " + ssim);
    }
}
