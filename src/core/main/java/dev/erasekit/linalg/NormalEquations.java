package dev.erasekit.linalg;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.util.Arrays;
import java.util.List;

/**
 * The UCE least-squares problem for a batch of layers (docs/methods.md §2):
 * <pre>
 *   W'_l = argmin Σ_erase ‖W' cᵢ − vᵢ*‖² · s_e + s_p Σ_preserve ‖W' cⱼ − W_l cⱼ‖² + λ_l ‖W' − W_l‖²
 * </pre>
 * Validated on construction: matching widths and counts, finite values, λ ≥ 0, scales ≥ 0.
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 *
 * @param layers       W_l (out_l×d), in reference order
 * @param eraseRows    cᵢ (n_e×d)
 * @param targets      the vᵢ*: guide rows or per-layer values
 * @param preserveRows cⱼ (n_p×d), possibly empty
 * @param lambdas      λ_l, one per layer
 * @param eraseScale   s_e
 * @param preserveScale s_p
 */
public record NormalEquations(List<LayerWeights> layers, FloatMatrix eraseRows, Targets targets,
                              FloatMatrix preserveRows, double[] lambdas, double eraseScale, double preserveScale) {

    public NormalEquations {
        layers = List.copyOf(layers);
        lambdas = lambdas.clone();
        validate(layers, eraseRows, targets, preserveRows, lambdas, eraseScale, preserveScale);
    }

    /** The same λ for every layer. */
    public static NormalEquations uniform(List<LayerWeights> layers, FloatMatrix eraseRows, Targets targets,
                                          FloatMatrix preserveRows, double lambda, double eraseScale,
                                          double preserveScale) {
        double[] l = new double[layers.size()];
        Arrays.fill(l, lambda);
        return new NormalEquations(layers, eraseRows, targets, preserveRows, l, eraseScale, preserveScale);
    }

    public int width() {
        return eraseRows.cols();
    }

    /** W'_l = W_l·M with one M for all layers iff targets are W_l·gᵢ and λ is the same everywhere. */
    public boolean sharedFactorValid() {
        return targets instanceof Targets.Guide && Arrays.stream(lambdas).distinct().count() <= 1;
    }

    private static void validate(List<LayerWeights> layers, FloatMatrix erase, Targets targets, FloatMatrix preserve,
                                 double[] lambdas, double se, double sp) {
        if (layers.isEmpty()) throw new InvalidInputException("no layers to edit");
        int d = erase.cols();
        if (d == 0) throw new InvalidInputException("erase rows have width 0");
        if (erase.rows() == 0) throw new InvalidInputException("no erase rows");
        if (preserve.cols() != d && preserve.rows() > 0) {
            throw new InvalidInputException("preserve rows have width " + preserve.cols() + ", erase rows " + d);
        }
        if (lambdas.length != layers.size()) {
            throw new InvalidInputException(lambdas.length + " λ values for " + layers.size() + " layers");
        }
        for (double l : lambdas) {
            if (!Double.isFinite(l) || l < 0) throw new InvalidInputException("λ must be finite and ≥ 0, got " + l);
        }
        if (!Double.isFinite(se) || se < 0) throw new InvalidInputException("erase scale must be finite and ≥ 0, got " + se);
        if (!Double.isFinite(sp) || sp < 0) throw new InvalidInputException("preserve scale must be finite and ≥ 0, got " + sp);
        for (LayerWeights l : layers) {
            if (l.width() != d) {
                throw new InvalidInputException("layer " + l.name() + " has input width " + l.width() + ", the rows " + d);
            }
            finite("layer " + l.name(), l.w());
        }
        finite("erase rows", erase);
        finite("preserve rows", preserve);
        switch (targets) {
            case Targets.Guide g -> {
                if (g.rows().rows() != erase.rows() || g.rows().cols() != d) {
                    throw new InvalidInputException("guide rows are " + g.rows().rows() + "×" + g.rows().cols()
                            + ", erase rows " + erase.rows() + "×" + d);
                }
                finite("guide rows", g.rows());
            }
            case Targets.PerLayer p -> {
                if (p.values().size() != layers.size()) {
                    throw new InvalidInputException(p.values().size() + " target matrices for " + layers.size() + " layers");
                }
                for (int i = 0; i < layers.size(); i++) {
                    FloatMatrix v = p.values().get(i);
                    if (v.rows() != erase.rows() || v.cols() != layers.get(i).out()) {
                        throw new InvalidInputException("targets for layer " + layers.get(i).name() + " are " + v.rows()
                                + "×" + v.cols() + ", expected " + erase.rows() + "×" + layers.get(i).out());
                    }
                    finite("targets of layer " + layers.get(i).name(), v);
                }
            }
        }
    }

    private static void finite(String what, FloatMatrix m) {
        int bad = m.firstNonFinite();
        if (bad >= 0) {
            throw new InvalidInputException(what + " contain a non-finite value (" + m.data()[bad] + ") at row "
                    + bad / m.cols() + ", column " + bad % m.cols());
        }
    }
}
