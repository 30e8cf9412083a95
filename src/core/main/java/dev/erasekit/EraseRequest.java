package dev.erasekit;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Uce;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to erase, how: the concepts, each one's target (a guide for UCE and RECE, an anchor for the
 * surgical erase: one for all, or one per concept), the prompts to preserve, and the method with its
 * parameters. A concept given twice with the same target is kept once. Immutable and thread-safe;
 * build with {@link #builder()}.
 *
 * @param method     the method and its parameters
 * @param concepts   the concepts to erase
 * @param targets    one guide/anchor for all concepts, or one per concept (empty: " ")
 * @param preserves  prompts whose keys and values should stay
 * @param keepDerived whether {@link EraseResult#derived()} should hold RECE's adversarial embeddings (then the
 *                   epochs run on explicit rows: n·d² each instead of d³)
 * @param pooled     what to do with SDXL's pooled text path ({@link PooledPath#KEEP} by default)
 */
public record EraseRequest(EraseMethod method, List<String> concepts, List<String> targets, List<String> preserves,
                           boolean keepDerived, PooledPath pooled) {
    /** Validates and normalises: no empty concept, one target for all or one per concept, duplicates dropped. */
    public EraseRequest {
        if (method == null) throw new InvalidInputException("no erase method");
        if (pooled == null) pooled = PooledPath.KEEP;
        if (targets.isEmpty()) targets = List.of(" ");
        if (targets.size() == concepts.size() && concepts.size() > 1) {
            Map<String, String> pairs = new LinkedHashMap<>();
            for (int i = 0; i < concepts.size(); i++) {
                String before = pairs.putIfAbsent(concepts.get(i), targets.get(i));
                if (before != null && !before.equals(targets.get(i))) {
                    throw new InvalidInputException("the concept \"" + concepts.get(i) + "\" is given twice with different "
                            + method.targetsName() + " (\"" + before + "\", \"" + targets.get(i) + "\")");
                }
            }
            concepts = List.copyOf(pairs.keySet());
            targets = List.copyOf(pairs.values());
        } else {
            concepts = concepts.stream().distinct().toList();
        }
        if (concepts.isEmpty()) throw new InvalidInputException("no concept to erase");
        for (String c : concepts) {
            if (c == null || c.isBlank()) throw new InvalidInputException("a concept is empty or only whitespace: erasing it would change nothing");
        }
        if (targets.size() != 1 && targets.size() != concepts.size()) {
            throw new InvalidInputException(concepts.size() + " concepts need 1 or " + concepts.size() + " " + method.targetsName()
                    + ", got " + targets.size());
        }
        concepts = List.copyOf(concepts);
        targets = List.copyOf(targets);
        preserves = List.copyOf(preserves);
    }

    /**
     * A request that does not keep RECE's derived embeddings.
     *
     * @param method    the method and its parameters
     * @param concepts  the concepts
     * @param targets   the targets
     * @param preserves the prompts to preserve
     */
    public EraseRequest(EraseMethod method, List<String> concepts, List<String> targets, List<String> preserves) {
        this(method, concepts, targets, preserves, false, PooledPath.KEEP);
    }

    /**
     * A request that leaves SDXL's pooled path as it is.
     *
     * @param method      the method and its parameters
     * @param concepts    the concepts
     * @param targets     the targets
     * @param preserves   the prompts to preserve
     * @param keepDerived whether to keep RECE's derived embeddings
     */
    public EraseRequest(EraseMethod method, List<String> concepts, List<String> targets, List<String> preserves, boolean keepDerived) {
        this(method, concepts, targets, preserves, keepDerived, PooledPath.KEEP);
    }

    /**
     * Concept i's target.
     *
     * @param i the concept's index
     * @return its target
     */
    public String target(int i) {
        return targets.size() == 1 ? targets.getFirst() : targets.get(i);
    }

    /**
     * A builder (UCE with the reference defaults unless {@link Builder#method} says otherwise).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link EraseRequest}; not thread-safe. */
    public static final class Builder {
        private EraseMethod method = Uce.DEFAULTS;
        private final List<String> concepts = new ArrayList<>(), targets = new ArrayList<>(), preserves = new ArrayList<>();
        private boolean keepDerived;
        private PooledPath pooled = PooledPath.KEEP;

        private Builder() {
        }

        /**
         * The method and its parameters.
         *
         * @param m the method
         * @return this builder
         */
        public Builder method(EraseMethod m) {
            method = m;
            return this;
        }

        /**
         * A concept to erase.
         *
         * @param c the concept
         * @return this builder
         */
        public Builder concept(String c) {
            concepts.add(c);
            return this;
        }

        /**
         * Concepts to erase.
         *
         * @param c the concepts
         * @return this builder
         */
        public Builder concepts(List<String> c) {
            concepts.addAll(c);
            return this;
        }

        /**
         * A guide (UCE, RECE) or anchor (surgical): give one for all concepts, or one per concept in order.
         *
         * @param t the target
         * @return this builder
         */
        public Builder target(String t) {
            targets.add(t);
            return this;
        }

        /**
         * Targets, as {@link #target}.
         *
         * @param t the targets
         * @return this builder
         */
        public Builder targets(List<String> t) {
            targets.addAll(t);
            return this;
        }

        /**
         * A prompt whose keys and values should stay as they are ("" is always kept by UCE and RECE).
         *
         * @param p the prompt
         * @return this builder
         */
        public Builder preserve(String p) {
            preserves.add(p);
            return this;
        }

        /**
         * Prompts to preserve.
         *
         * @param p the prompts
         * @return this builder
         */
        public Builder preserves(List<String> p) {
            preserves.addAll(p);
            return this;
        }

        /**
         * Keep RECE's derived embeddings in the result.
         *
         * @param keep whether to keep them
         * @return this builder
         */
        public Builder keepDerived(boolean keep) {
            keepDerived = keep;
            return this;
        }

        /**
         * What to do with SDXL's pooled text path (default {@link PooledPath#KEEP}).
         *
         * @param p keep or edit it
         * @return this builder
         */
        public Builder pooled(PooledPath p) {
            pooled = p;
            return this;
        }

        /**
         * The request.
         *
         * @return the validated request
         */
        public EraseRequest build() {
            return new EraseRequest(method, concepts, targets, preserves, keepDerived, pooled);
        }
    }
}
