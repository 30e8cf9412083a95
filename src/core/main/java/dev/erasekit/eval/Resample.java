package dev.erasekit.eval;

/**
 * The two image resamplers the evaluation models were trained with, on 8-bit planar RGB
 * ({@code int[3·h·w]}, values 0–255), results rounded and clamped to 8 bits as the originals do.
 * Written here because no Java library reproduces them: Java2D's bilinear/bicubic neither match
 * OpenCV's pixel-centre convention nor antialias like Pillow.
 * <ul>
 * <li>{@link #bilinear}: OpenCV {@code cv2.resize(..., INTER_LINEAR)} — the source coordinate of
 * output pixel x is (x + ½)·(in/out) − ½, clamped to the image; no antialiasing (NudeNet's input).</li>
 * <li>{@link #bicubic}: Pillow {@code Image.resize(..., BICUBIC)} — a separable convolution with the
 * Keys cubic (a = −½) whose support widens by in/out when shrinking (antialiasing); horizontal pass,
 * 8-bit rounding, then vertical pass (CLIP's input, via the Hugging Face CLIP image processor).</li>
 * </ul>
 * Stateless; thread-safe.
 */
public final class Resample {
    private Resample() {
    }

    /** [3, h, w] floats in [0, 1] to 8-bit values, as a PNG of the image holds them. */
    public static int[] quantize(float[] chw) {
        int[] out = new int[chw.length];
        for (int i = 0; i < chw.length; i++) out[i] = clamp8(Math.round(chw[i] * 255));
        return out;
    }

    /** OpenCV INTER_LINEAR resize of planar 8-bit RGB from w×h to tw×th. */
    public static int[] bilinear(int[] src, int w, int h, int tw, int th) {
        int[] x0 = new int[tw], y0 = new int[th];
        double[] fx = new double[tw], fy = new double[th];
        linearTaps(w, tw, x0, fx);
        linearTaps(h, th, y0, fy);
        int[] out = new int[3 * tw * th];
        for (int c = 0; c < 3; c++) {
            int so = c * w * h, oo = c * tw * th;
            for (int y = 0; y < th; y++) {
                int ya = y0[y], yb = Math.min(ya + 1, h - 1);
                for (int x = 0; x < tw; x++) {
                    int xa = x0[x], xb = Math.min(xa + 1, w - 1);
                    double top = src[so + ya * w + xa] * (1 - fx[x]) + src[so + ya * w + xb] * fx[x];
                    double bottom = src[so + yb * w + xa] * (1 - fx[x]) + src[so + yb * w + xb] * fx[x];
                    out[oo + y * tw + x] = clamp8((int) Math.round(top * (1 - fy[y]) + bottom * fy[y]));
                }
            }
        }
        return out;
    }

    private static void linearTaps(int in, int out, int[] index, double[] frac) {
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double s = (i + 0.5) * scale - 0.5;
            int k = (int) Math.floor(s);
            double f = s - k;
            if (k < 0) {
                k = 0;
                f = 0;
            }
            if (k >= in - 1) {
                k = in - 1;
                f = 0;
            }
            index[i] = k;
            frac[i] = f;
        }
    }

    /** Pillow BICUBIC resize of planar 8-bit RGB from w×h to tw×th. */
    public static int[] bicubic(int[] src, int w, int h, int tw, int th) {
        int[] tmp = new int[3 * tw * h];
        Taps cols = Taps.of(w, tw), rows = Taps.of(h, th);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < tw; x++) {
                    double s = 0;
                    for (int k = 0; k < cols.weight[x].length; k++) s += cols.weight[x][k] * src[c * w * h + y * w + cols.first[x] + k];
                    tmp[c * tw * h + y * tw + x] = clamp8((int) Math.round(s));
                }
            }
        }
        int[] out = new int[3 * tw * th];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < th; y++) {
                for (int x = 0; x < tw; x++) {
                    double s = 0;
                    for (int k = 0; k < rows.weight[y].length; k++) s += rows.weight[y][k] * tmp[c * tw * h + (rows.first[y] + k) * tw + x];
                    out[c * tw * th + y * tw + x] = clamp8((int) Math.round(s));
                }
            }
        }
        return out;
    }

    /** Per output pixel: the first source pixel and the normalised weights of its taps. */
    private record Taps(int[] first, double[][] weight) {
        static Taps of(int in, int out) {
            double scale = (double) in / out, filterScale = Math.max(scale, 1), support = 2 * filterScale;
            int[] first = new int[out];
            double[][] weight = new double[out][];
            for (int i = 0; i < out; i++) {
                double centre = (i + 0.5) * scale;
                int lo = Math.max((int) (centre - support + 0.5), 0), hi = Math.min((int) (centre + support + 0.5), in);
                double[] wts = new double[hi - lo];
                double sum = 0;
                for (int k = 0; k < wts.length; k++) {
                    wts[k] = keys((k + lo - centre + 0.5) / filterScale);
                    sum += wts[k];
                }
                for (int k = 0; k < wts.length; k++) wts[k] = sum == 0 ? 0 : wts[k] / sum;
                first[i] = lo;
                weight[i] = wts;
            }
            return new Taps(first, weight);
        }

        /** Keys' cubic convolution kernel with a = −½ (Pillow's bicubic). */
        private static double keys(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
            if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
            return 0;
        }
    }

    private static int clamp8(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
