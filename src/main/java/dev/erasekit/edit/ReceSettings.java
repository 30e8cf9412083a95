package dev.erasekit.edit;

import dev.erasekit.InvalidInputException;
import java.util.List;

/**
 * RECE's parameters (docs/methods.md §3): the UCE stage (λ 0.5, s_e 1, s_p 1.0), then {@code epochs} rounds
 * of closed-form adversarial derivation (regulariser λ_r) and a UCE edit with λ 0.1, s_e 1, s_p 0.1.
 *
 * @param epochRetain prompts the epoch edits keep ([" "] in the reference; artists: "" plus the others)
 */
public record ReceSettings(int epochs, double reg, Derivation derivation, UceSettings uceStage, UceSettings epochStage,
                           List<String> epochRetain) {

    /** How the adversarial embedding is derived: λ_r pulls it toward zero, or toward the guide. */
    public enum Derivation { REGZERO, STANDARDREG }

    public static final UceSettings UCE_STAGE = new UceSettings(0.5, 1.0, 1.0);
    public static final UceSettings EPOCH_STAGE = new UceSettings(0.1, 1.0, 0.1);

    public ReceSettings {
        if (epochs < 0) throw new InvalidInputException("epochs must be ≥ 0, got " + epochs);
        if (!Double.isFinite(reg) || reg <= 0) throw new InvalidInputException("λ_r (--reg) must be > 0, got " + reg);
        epochRetain = List.copyOf(epochRetain);
    }

    /** The reference settings per task (docs/methods.md §3). */
    public enum Preset {
        NUDITY(0.1, 3, " ", List.of(" ")),
        UNSAFE(0.1, 2, " ", List.of(" ")),
        ARTIST(1e-3, 1, "art", List.of("")),
        OBJECT(1e-3, 1, " ", List.of(" "));

        public final double reg;
        public final int epochs;
        public final String guide;
        public final List<String> epochRetain;

        Preset(double reg, int epochs, String guide, List<String> epochRetain) {
            this.reg = reg;
            this.epochs = epochs;
            this.guide = guide;
            this.epochRetain = epochRetain;
        }

        public ReceSettings settings() {
            return new ReceSettings(epochs, reg, Derivation.REGZERO, UCE_STAGE, EPOCH_STAGE, epochRetain);
        }
    }
}
