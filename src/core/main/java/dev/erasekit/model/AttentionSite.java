package dev.erasekit.model;

import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an attn2 module sits in a diffusers UNet: {@code down_blocks.B.attentions.A}, {@code mid_block}
 * or {@code up_blocks.B.attentions.A}, transformer block T (docs/methods.md §1).
 * Immutable; thread-safe.
 */
public record AttentionSite(Kind kind, int block, int attention, int transformer) {

    /** Block kinds, in UCE's reference order ({@code unet.named_children()}: down, up, then mid). */
    public enum Kind { DOWN, UP, MID }

    /** UCE/RECE reference order of attn2 modules. */
    public static final Comparator<AttentionSite> REFERENCE_ORDER = Comparator.comparing(AttentionSite::kind)
            .thenComparingInt(AttentionSite::block).thenComparingInt(AttentionSite::attention)
            .thenComparingInt(AttentionSite::transformer);

    private static final Pattern PATH = Pattern.compile(
            "(?:(down|up)_blocks\\.(\\d+)\\.attentions\\.(\\d+)|mid_block\\.attentions\\.(\\d+))"
                    + "\\.transformer_blocks\\.(\\d+)\\.attn2");

    /** Parses a diffusers module path (dots) or an ONNX node path (slashes) containing an attn2. */
    public static Optional<AttentionSite> parse(String path) {
        Matcher m = PATH.matcher(path.replace('/', '.'));
        if (!m.find()) return Optional.empty();
        int t = Integer.parseInt(m.group(5));
        if (m.group(4) != null) return Optional.of(new AttentionSite(Kind.MID, 0, Integer.parseInt(m.group(4)), t));
        Kind k = m.group(1).equals("down") ? Kind.DOWN : Kind.UP;
        return Optional.of(new AttentionSite(k, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)), t));
    }

    /** {@code down_blocks.0.attentions.1.transformer_blocks.0.attn2} */
    public String diffusersPath() {
        String module = switch (kind) {
            case DOWN -> "down_blocks." + block + ".attentions." + attention;
            case UP -> "up_blocks." + block + ".attentions." + attention;
            case MID -> "mid_block.attentions." + attention;
        };
        return module + ".transformer_blocks." + transformer + ".attn2";
    }

    /**
     * The original CompVis/A1111 checkpoint path: {@code input_blocks.N}, {@code middle_block} or
     * {@code output_blocks.N}, attention at sub-index 1. Down block B has layersPerBlock resnets and a
     * downsampler, so its attention A is input block B·(lpb+1)+A+1; up block B has lpb+1 layers.
     */
    public String compvisPath(int layersPerBlock) {
        String module = switch (kind) {
            case DOWN -> "input_blocks." + (block * (layersPerBlock + 1) + attention + 1) + ".1";
            case UP -> "output_blocks." + (block * (layersPerBlock + 1) + attention) + ".1";
            case MID -> "middle_block.1";
        };
        return "model.diffusion_model." + module + ".transformer_blocks." + transformer + ".attn2";
    }
}
