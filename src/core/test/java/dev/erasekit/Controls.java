package dev.erasekit;

import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Controls for tests whose claim is "unchanged up to rounding": a bound relative to what rounding
 * alone does, measured in the same test on the same CPU, instead of an absolute number at float32
 * noise level (AVX2 and AVX-512 kernels round differently).
 */
public final class Controls {
    private Controls() {
    }

    /** The weights with every value moved by one ulp, up or down at random: exactly fp32 rounding noise. */
    public static List<LayerWeights> ulpPerturbed(List<LayerWeights> base, SplittableRandom r) {
        List<LayerWeights> moved = new ArrayList<>();
        for (LayerWeights l : base) {
            float[] v = l.w().data().clone();
            for (int i = 0; i < v.length; i++) v[i] = r.nextBoolean() ? Math.nextUp(v[i]) : Math.nextDown(v[i]);
            moved.add(new LayerWeights(l.name(), new FloatMatrix(l.out(), l.width(), v), l.dtype()));
        }
        return moved;
    }

    /** The matrix with every value moved by one ulp, up or down at random. */
    public static FloatMatrix ulpPerturbed(FloatMatrix m, SplittableRandom r) {
        float[] v = m.data().clone();
        for (int i = 0; i < v.length; i++) v[i] = r.nextBoolean() ? Math.nextUp(v[i]) : Math.nextDown(v[i]);
        return new FloatMatrix(m.rows(), m.cols(), v);
    }

    /** {@link #ulpPerturbed} as an edit of the base, to run through the UNet like any edit. */
    public static Edit ulpEdit(List<LayerWeights> base, String fingerprint, int width, SplittableRandom r) {
        return Edit.ofWeights(fingerprint, ulpPerturbed(base, r), List.of("one-ulp control"));
    }
}
