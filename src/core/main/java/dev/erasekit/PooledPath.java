package dev.erasekit;

/**
 * What an erase does to SDXL's pooled text path ({@code text_embeds} → {@code add_embedding.linear_1}), which
 * no K/V edit reaches (docs/methods.md §9). Models without a pooled path ignore it.
 */
public enum PooledPath {
    /**
     * Leave it, as every published method does (UCE's SDXL code edits the K/V only); {@code validate}'s pooled
     * residual shows how much of the concept still arrives that way. The default, so that an edit equals the
     * published method's.
     */
    KEEP,
    /**
     * Edit it in closed form too: the normal equations of UCE on the pooled embeddings (concepts mapped to their
     * guides or anchors, preserves kept, λ as the method's), a map M_p with W'₁ = W₁·M_p on the text-embeds
     * columns; the surgical method holds the pooled "" exactly (M_p·p("") = p(""), its exact unconditional score).
     */
    EDIT
}
