package dev.erasekit.edit;

import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.tensor.FloatMatrix;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second moments of paired rows (docs/methods.md §2–§3): S_cc = Σ c cᵀ, S_gc = Σ g cᵀ and
 * S_gg = Σ g gᵀ over every pair (concept row c, target row g), d×d float64 each — all an edit of many
 * rows needs, in O(d³) however many rows. Computed in one pass: S_cc by one Gram over all concept rows;
 * S_gc and S_gg per distinct target block (concepts that share a guide, the common case, sum their rows
 * position by position first: one d×d product per block instead of one per concept).
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 *
 * @param cc S_cc (d×d)
 * @param gc S_gc (d×d: row index from g, column from c)
 * @param gg S_gg (d×d)
 */
public record SecondMoments(double[] cc, double[] gc, double[] gg) {

    /** A target block and the summed concept rows paired with it. */
    private static final class Block {
        final FloatMatrix target;
        final double[] conceptSum;
        int count;

        Block(FloatMatrix target) {
            this.target = target;
            this.conceptSum = new double[target.data().length];
        }
    }

    /** A target block's identity: its values (a shared guide gives equal blocks, not the same object). */
    private record Key(int rows, float[] data) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.rows == rows && Arrays.equals(k.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * rows + Arrays.hashCode(data);
        }
    }

    /** The moments of {@code concepts.get(i)} paired row by row with {@code targets.get(i)}. */
    public static SecondMoments of(List<FloatMatrix> concepts, List<FloatMatrix> targets, LinalgBackend backend) {
        int d = concepts.getFirst().cols();
        double[] cc = new double[d * d];
        backend.gramAccumulate(cc, d, FloatMatrix.stack(concepts, d).data(), concepts.stream().mapToInt(FloatMatrix::rows).sum(), 1.0);
        return of(cc, concepts, targets, backend);
    }

    /**
     * The moments with S_cc already known (RECE's epochs reuse its UCE stage's Gram and add the rows
     * that stage left out): S_gc and S_gg only, per distinct target block.
     */
    public static SecondMoments of(double[] cc, List<FloatMatrix> concepts, List<FloatMatrix> targets, LinalgBackend backend) {
        int d = concepts.getFirst().cols();
        double[] gc = new double[d * d], gg = new double[d * d];
        Map<Key, Block> blocks = new LinkedHashMap<>();
        for (int i = 0; i < concepts.size(); i++) {
            FloatMatrix t = targets.get(i), c = concepts.get(i);
            Block b = blocks.computeIfAbsent(new Key(t.rows(), t.data()), k -> new Block(t));
            for (int j = 0; j < b.conceptSum.length; j++) b.conceptSum[j] += c.data()[j];
            b.count++;
        }
        for (Block b : blocks.values()) {
            int n = b.target.rows();
            double[] g = Dense.toDouble(b.target.data());
            backend.gemm(true, false, d, d, n, 1.0, g, b.conceptSum, 1.0, gc); // Gᵀ·(Σ C)
            backend.gramAccumulate(gg, d, b.target.data(), n, b.count);         // count · GᵀG
        }
        return new SecondMoments(cc, gc, gg);
    }
}
