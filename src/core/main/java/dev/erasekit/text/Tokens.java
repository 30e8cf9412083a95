package dev.erasekit.text;

import java.util.List;

/**
 * One prompt, tokenized as Stable Diffusion does: {@code ids} is BOS, up to 75 content tokens, EOS, then
 * the tokenizer's pad token to 77 (EOS 49407 for SD v1.x, "!" = 0 for SD 2.x). {@code pieces} are the BPE pieces of the content tokens.
 * Immutable (arrays not copied: treat them as read-only); thread-safe.
 *
 * @param truncated how many content tokens were cut off past the 75 that fit
 */
public record Tokens(String prompt, int[] ids, List<String> pieces, int contentLength, int truncated) {

    /**
     * Index of the last word token: UCE's {@code attention_mask.sum() − 2} (0, the BOS row, for an
     * empty prompt). docs/methods.md §2.
     */
    public int lastWordIndex() {
        return contentLength;
    }

    /** 1 for BOS, content and the first EOS; 0 for padding (the HF tokenizer's attention mask). */
    public int[] attentionMask() {
        int[] m = new int[ids.length];
        for (int i = 0; i < Math.min(ids.length, contentLength + 2); i++) m[i] = 1;
        return m;
    }
}
