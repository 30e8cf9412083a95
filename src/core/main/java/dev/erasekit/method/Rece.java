package dev.erasekit.method;

import dev.erasekit.error.InvalidInputException;
import java.util.List;

/**
 * RECE (Gong et al., ECCV 2024; docs/methods.md §3): a UCE stage, then {@code epochs} rounds of
 * deriving in closed form the embedding that still regenerates the concept (regulariser λ_r) and
 * erasing it with a UCE update.
 * Immutable; thread-safe.
 *
 * @param epochs      rounds after the UCE stage (≥ 0)
 * @param reg         λ_r > 0
 * @param derivation  how the adversarial embedding is regularised
 * @param uceStage    the first edit (λ 0.5, s_e 1, s_p 1.0 in the reference)
 * @param epochStage  each epoch's edit (λ 0.1, s_e 1, s_p 0.1)
 * @param epochRetain prompts the epoch edits keep ([" "] in the reference; artists: "")
 */
public record Rece(int epochs, double reg, Derivation derivation, Uce uceStage, Uce epochStage, List<String> epochRetain)
        implements EraseMethod {

    /** How the adversarial embedding c' is derived: λ_r pulls it toward zero, or toward the guide. */
    public enum Derivation {
        /** λ_r pulls c' toward zero (the reference's default). */
        REGZERO,
        /** λ_r pulls c' toward the guide's row. */
        STANDARDREG
    }

    /** The reference's UCE stage: λ 0.5, s_e 1, s_p 1.0. */
    public static final Uce UCE_STAGE = new Uce(0.5, 1.0, 1.0);
    /** The reference's epoch edit: λ 0.1, s_e 1, s_p 0.1. */
    public static final Uce EPOCH_STAGE = new Uce(0.1, 1.0, 0.1);

    /** Validates epochs ≥ 0 (at most 10,000) and λ_r finite and > 0. */
    public Rece {
        if (epochs < 0 || epochs > 10_000) throw new InvalidInputException("epochs must be between 0 and 10000, got " + epochs);
        if (!Double.isFinite(reg) || reg <= 0) throw new InvalidInputException("λ_r (--reg) must be finite and > 0, got " + reg);
        if (derivation == null || uceStage == null || epochStage == null) {
            throw new InvalidInputException("RECE needs a derivation and both stages' settings");
        }
        epochRetain = List.copyOf(epochRetain);
    }

    @Override
    public String name() {
        return "rece";
    }

    /** The reference settings per task (docs/methods.md §3). */
    public enum Preset {
        /** λ_r 0.1, 3 epochs, guide " ". */
        NUDITY(0.1, 3, " ", List.of(" ")),
        /** λ_r 0.1, 2 epochs (the 11 I2P concepts). */
        UNSAFE(0.1, 2, " ", List.of(" ")),
        /** λ_r 1e-3, 1 epoch, guide "art", retain "". */
        ARTIST(1e-3, 1, "art", List.of("")),
        /** λ_r 1e-3, 1 epoch. */
        OBJECT(1e-3, 1, " ", List.of(" "));

        private final double reg;
        private final int epochs;
        private final String guide;
        private final List<String> epochRetain;

        Preset(double reg, int epochs, String guide, List<String> epochRetain) {
            this.reg = reg;
            this.epochs = epochs;
            this.guide = guide;
            this.epochRetain = epochRetain;
        }

        /**
         * The guide the reference uses for this task.
         *
         * @return the guide prompt
         */
        public String guide() {
            return guide;
        }

        /**
         * The reference settings: regzero derivation, the reference stages.
         *
         * @return the method record
         */
        public Rece settings() {
            return new Rece(epochs, reg, Derivation.REGZERO, UCE_STAGE, EPOCH_STAGE, epochRetain);
        }
    }
}
