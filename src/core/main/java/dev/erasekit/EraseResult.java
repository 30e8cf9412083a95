package dev.erasekit;

import java.util.List;
import java.util.Map;

/**
 * An erase's outcome: the edit, the time of each stage, and the rows it worked on. Immutable.
 *
 * @param millis       wall time per stage, in the order the stages ran (tokenize, encode, build, solve, fold, metrics …)
 * @param eraseRows    the paired concept rows (75 for one short prompt)
 * @param preserveRows the rows kept in place
 * @param derived      RECE's adversarial embeddings c', per epoch then concept, each rows × d (float64, row-major)
 * @param encoded      prompts run through the text encoder (the others came from the cache)
 * @param edit         the edit
 */
public record EraseResult(Edit edit, Map<String, Double> millis, int eraseRows, int preserveRows, List<double[]> derived,
                          int encoded) {
    /** Copies the collections (not the arrays). */
    public EraseResult {
        millis = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(millis));
        derived = List.copyOf(derived);
    }
}
