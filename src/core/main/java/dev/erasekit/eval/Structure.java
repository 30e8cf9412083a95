package dev.erasekit.eval;

import java.util.BitSet;

/**
 * The spatial structure of a generated image, for "did the edit keep the base image's layout": its
 * foreground mask and the IoU of two masks. The background colour is the per-channel median of the
 * border pixels; a pixel is foreground when its RGB distance from it passes the threshold Otsu's method
 * picks on the image's own distances (N. Otsu, IEEE SMC 1979: the split that maximises the between-class
 * variance), so no fixed threshold is tuned to one model's palette. Stateless; thread-safe.
 */
public final class Structure {
    private static final int BINS = 256;

    private Structure() {
    }

    /**
     * @param img [3, h, w] in [0, 1]
     * @return the foreground pixels (index y·w + x)
     */
    public static BitSet mask(float[] img, int w, int h) {
        int n = w * h;
        float[] bg = new float[3];
        for (int c = 0; c < 3; c++) {
            float[] border = new float[2 * w + 2 * Math.max(0, h - 2)];
            int k = 0;
            for (int x = 0; x < w; x++) {
                border[k++] = img[c * n + x];
                border[k++] = img[c * n + (h - 1) * w + x];
            }
            for (int y = 1; y < h - 1; y++) {
                border[k++] = img[c * n + y * w];
                border[k++] = img[c * n + y * w + w - 1];
            }
            java.util.Arrays.sort(border, 0, k);
            bg[c] = border[k / 2];
        }
        double[] dist = new double[n];
        double max = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int c = 0; c < 3; c++) {
                double d = img[c * n + i] - bg[c];
                s += d * d;
            }
            dist[i] = Math.sqrt(s);
            max = Math.max(max, dist[i]);
        }
        BitSet m = new BitSet(n);
        if (max == 0) return m;
        int[] hist = new int[BINS];
        for (double d : dist) hist[Math.min(BINS - 1, (int) (d / max * BINS))]++;
        int t = otsu(hist, n);
        for (int i = 0; i < n; i++) if (Math.min(BINS - 1, (int) (dist[i] / max * BINS)) > t) m.set(i);
        return m;
    }

    /** The bin at and below which Otsu's method puts the background. */
    static int otsu(int[] hist, int n) {
        double sum = 0;
        for (int i = 0; i < hist.length; i++) sum += (double) i * hist[i];
        double sumB = 0, best = -1;
        int wB = 0, threshold = 0;
        for (int t = 0; t < hist.length; t++) {
            wB += hist[t];
            if (wB == 0) continue;
            int wF = n - wB;
            if (wF == 0) break;
            sumB += (double) t * hist[t];
            double mB = sumB / wB, mF = (sum - sumB) / wF, between = (double) wB * wF * (mB - mF) * (mB - mF);
            if (between > best) {
                best = between;
                threshold = t;
            }
        }
        return threshold;
    }

    /** |a ∩ b| / |a ∪ b|; 1 when both are empty. */
    public static double iou(BitSet a, BitSet b) {
        BitSet i = (BitSet) a.clone(), u = (BitSet) a.clone();
        i.and(b);
        u.or(b);
        return u.isEmpty() ? 1 : (double) i.cardinality() / u.cardinality();
    }
}
