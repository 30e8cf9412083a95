package dev.erasekit.eval;

/**
 * Structure preservation between two images (planar RGB [3, h, w] in [0, 1]): PSNR, and SSIM (Wang
 * et al. 2004) with a 7×7 uniform window over valid positions, C1 = (0.01)², C2 = (0.03)², averaged
 * over channels — scikit-image's default settings for float images with data range 1.
 * Stateless; thread-safe.
 */
public final class ImageMetrics {
    private ImageMetrics() {
    }

    /** 10·log10(1/MSE) in dB; infinity for identical images. */
    public static double psnr(float[] a, float[] b) {
        double mse = 0;
        for (int i = 0; i < a.length; i++) mse += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
        mse /= a.length;
        return mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(1 / mse);
    }

    public static double ssim(float[] a, float[] b, int w, int h) {
        final int win = Math.min(7, Math.min(w, h));
        final double c1 = 1e-4, c2 = 9e-4, n = win * win, cov = n / (n - 1);
        double total = 0;
        int count = 0;
        for (int c = 0; c < 3; c++) {
            int o = c * w * h;
            for (int y = 0; y + win <= h; y++) {
                for (int x = 0; x + win <= w; x++) {
                    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
                    for (int dy = 0; dy < win; dy++) {
                        for (int dx = 0; dx < win; dx++) {
                            double p = a[o + (y + dy) * w + x + dx], q = b[o + (y + dy) * w + x + dx];
                            sa += p;
                            sb += q;
                            saa += p * p;
                            sbb += q * q;
                            sab += p * q;
                        }
                    }
                    double ma = sa / n, mb = sb / n;
                    double va = (saa / n - ma * ma) * cov, vb = (sbb / n - mb * mb) * cov, vab = (sab / n - ma * mb) * cov;
                    total += ((2 * ma * mb + c1) * (2 * vab + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
                    count++;
                }
            }
        }
        return total / count;
    }
}
