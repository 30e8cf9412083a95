package dev.erasekit.linalg;

import dev.erasekit.tensor.FloatMatrix;
import java.util.List;

/** What the erase rows must map to (docs/methods.md §2). Immutable (arrays not copied: read-only); thread-safe. */
public sealed interface Targets {

    /** vᵢ* = W_l·gᵢ for every layer: the guide rows gᵢ (n_e×d). This form allows the shared factor. */
    record Guide(FloatMatrix rows) implements Targets {
    }

    /** Arbitrary targets per layer: V_l (n_e×out_l), in layer order. Solved per layer. */
    record PerLayer(List<FloatMatrix> values) implements Targets {
        public PerLayer {
            values = List.copyOf(values);
        }
    }
}
