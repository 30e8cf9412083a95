package dev.erasekit.edit;

import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.text.PromptEmbedding;

/**
 * UCE's pairing of an erased prompt's rows with its guide's (docs/methods.md §2, the reference 2023
 * script): with eᵢ the index of each prompt's last word token and f = max(e_erase, e_guide),
 * E_erase[e_erase : 77 − (f − e_erase)] is paired row by row with E_guide[e_guide : 77 − (f − e_guide)],
 * 77 − f rows each. "nudity" (e = 2) against " " (e = 0): E("nudity")[2:77] with E(" ")[0:75].
 * Immutable; thread-safe.
 */
public record TokenAlignment(FloatMatrix eraseRows, FloatMatrix guideRows) {

    public static TokenAlignment of(PromptEmbedding erase, PromptEmbedding guide) {
        int n = erase.rows().rows();
        int ee = erase.tokens().lastWordIndex(), eg = guide.tokens().lastWordIndex();
        int f = Math.max(ee, eg);
        return new TokenAlignment(erase.slice(ee, n - (f - ee)), guide.slice(eg, n - (f - eg)));
    }
}
