package dev.erasekit;

import dev.erasekit.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One image to generate: prompt, negative prompt, seed, steps, guidance, sampler, size, and optionally
 * initial latents (instead of the seed's noise) and an edit. Immutable and thread-safe; build with
 * {@link #builder(String)}. Values are checked against the model by {@link Engine#generate}.
 *
 * @param width   image width, or 0 for the model's own (512 for SD v1.x)
 * @param height  image height, or 0 for the model's own
 * @param latents unscaled N(0, I) noise [1, 4, h/8, w/8], overriding the seed
 * @param prompt   the prompt
 * @param negative the negative prompt; empty when none was given: "" for SD v1.x/2.x, zero embeddings for an SDXL model
 *                 with {@code force_zeros_for_empty_prompt} (diffusers' {@code negative_prompt=None}); "" given is encoded
 * @param seed     the noise seed
 * @param steps    inference steps
 * @param guidance the guidance scale
 * @param sampler  the scheduler
 * @param edit     an edit to apply, or empty
 * @param editMode how the edit reaches the UNet
 * @param policies per-request policies applied to the text embeddings, in order (after an embedding-mode edit)
 * @param editFrom the fraction of the UNet calls that run before the embedding transform (embedding-mode edit
 *                 and policies) starts to act: 0 acts on every call; e.g. 0.2 keeps the base's first fifth,
 *                 where the image's layout is set (README, "Erasure that keeps the image's structure")
 */
public record GenerateRequest(String prompt, Optional<String> negative, long seed, int steps, double guidance, Sampler sampler, int width,
                              int height, Optional<float[]> latents, Optional<Edit> edit, EditMode editMode, List<Policy> policies,
                              double editFrom) {
    /** Validates what needs no model: non-null text, finite guidance, non-negative sizes, steps ≥ 1. */
    public GenerateRequest {
        if (prompt == null || negative == null || sampler == null || latents == null || edit == null || editMode == null
                || policies == null || policies.contains(null)) {
            throw new InvalidInputException("generate request values must not be null");
        }
        if (steps < 1) throw new InvalidInputException("steps must be ≥ 1, got " + steps);
        if (width < 0 || height < 0) throw new InvalidInputException("width and height must be ≥ 0 (0: the model's own)");
        if (!Double.isFinite(guidance)) throw new InvalidInputException("guidance must be a finite number, got " + guidance);
        if (!(editFrom >= 0 && editFrom < 1)) throw new InvalidInputException("the edit's start must be in [0, 1), got " + editFrom);
        if (editFrom > 0 && edit.isPresent() && editMode == EditMode.WEIGHTS) {
            throw new InvalidInputException("an edit that starts part-way needs the embedding edit mode (weights are the same on every step)");
        }
        latents = latents.map(float[]::clone);
        policies = List.copyOf(policies);
    }

    /**
     * A builder for {@code prompt}: no negative prompt, seed 0, 50 steps, guidance 7.5, the model's sampler and size.
     *
     * @param prompt the prompt
     * @return a new builder
     */
    public static Builder builder(String prompt) {
        return new Builder(prompt);
    }

    /** Builds a {@link GenerateRequest}; not thread-safe. */
    public static final class Builder {
        private final String prompt;
        private String negative;
        private long seed;
        private int steps = 50, width, height;
        private double guidance = 7.5;
        private Sampler sampler = Sampler.DEFAULT;
        private float[] latents;
        private Edit edit;
        private double editFrom;
        private EditMode editMode;
        private final List<Policy> policies = new ArrayList<>();

        private Builder(String prompt) {
            this.prompt = prompt;
        }

        /**
         * The negative prompt (classifier-free guidance's unconditional side; none by default, see
         * {@link GenerateRequest#negative()}).
         *
         * @param n the negative prompt, or null for none
         * @return this builder
         */
        public Builder negative(String n) {
            negative = n;
            return this;
        }

        /**
         * The noise seed (SplitMix64 + Box–Muller).
         *
         * @param s the seed
         * @return this builder
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * Inference steps.
         *
         * @param s the number of steps
         * @return this builder
         */
        public Builder steps(int s) {
            steps = s;
            return this;
        }

        /**
         * The guidance scale g in ε(∅) + g·(ε(c) − ε(∅)).
         *
         * @param g the guidance scale
         * @return this builder
         */
        public Builder guidance(double g) {
            guidance = g;
            return this;
        }

        /**
         * The scheduler.
         *
         * @param s the sampler
         * @return this builder
         */
        public Builder sampler(Sampler s) {
            sampler = s;
            return this;
        }

        /**
         * The image size (multiples of 8).
         *
         * @param w the width (0: the model's)
         * @param h the height (0: the model's)
         * @return this builder
         */
        public Builder size(int w, int h) {
            width = w;
            height = h;
            return this;
        }

        /**
         * Initial latents, unscaled N(0, I) noise [1, 4, h/8, w/8] (copied).
         *
         * @param l the latents
         * @return this builder
         */
        public Builder latents(float[] l) {
            latents = l;
            return this;
        }

        /**
         * An edit to apply ({@link EditMode#EMBEDDING} when it has a shared factor, unless {@link #editMode} says otherwise).
         *
         * @param e the edit, or null for none
         * @return this builder
         */
        public Builder edit(Edit e) {
            edit = e;
            return this;
        }

        /**
         * How the edit reaches the UNet.
         *
         * @param m the edit mode
         * @return this builder
         */
        public Builder editMode(EditMode m) {
            editMode = m;
            return this;
        }

        /**
         * Adds a per-request policy, applied after those added before.
         *
         * @param p the policy
         * @return this builder
         */
        public Builder policy(Policy p) {
            policies.add(p);
            return this;
        }

        /**
         * Adds per-request policies, in order.
         *
         * @param ps the policies
         * @return this builder
         */
        public Builder policies(List<Policy> ps) {
            policies.addAll(ps);
            return this;
        }

        /**
         * The request.
         *
         * @return the request
         */
        /**
         * Lets the first fraction of the UNet calls run without the embedding transform (default 0).
         *
         * @param fraction in [0, 1)
         * @return this builder
         */
        public Builder editFrom(double fraction) {
            editFrom = fraction;
            return this;
        }

        /**
         * The request.
         *
         * @return the request
         */
        public GenerateRequest build() {
            EditMode mode = editMode != null ? editMode : edit != null && edit.sharedFactor().isPresent() ? EditMode.EMBEDDING
                    : EditMode.WEIGHTS;
            return new GenerateRequest(prompt, Optional.ofNullable(negative), seed, steps, guidance, sampler, width, height, Optional.ofNullable(latents),
                    Optional.ofNullable(edit), mode, policies, editFrom);
        }
    }
}
