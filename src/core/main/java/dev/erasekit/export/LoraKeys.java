package dev.erasekit.export;

import dev.erasekit.error.InvalidInputException;

/**
 * Tensor names of the LoRA and diff formats, from a layer's diffusers state-dict key
 * ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight}) and its CompVis key
 * ({@code model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight}), as the loaders
 * read them (kohya-ss sd-scripts' naming, which A1111's Lora extension, ComfyUI's comfy/lora.py and
 * diffusers' kohya converter accept; PEFT's for diffusers):
 * <pre>
 *   kohya          lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k  .lora_down.weight [r, in]
 *                                                                                        .lora_up.weight   [out, r]
 *                                                                                        .alpha            []
 *   kohya CompVis  lora_unet_input_blocks_1_1_transformer_blocks_0_attn2_to_k            (same suffixes)
 *   PEFT           unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k       .lora_A.weight [r, in]
 *                                                                                        .lora_B.weight [out, r]
 *   diff           lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k  .diff [out, in]
 * </pre>
 * Stateless; thread-safe.
 */
public final class LoraKeys {
    private static final String COMPVIS_PREFIX = "model.diffusion_model.", WEIGHT = ".weight";

    private LoraKeys() {
    }

    /** {@code down_blocks.0.….attn2.to_k} from {@code down_blocks.0.….attn2.to_k.weight}. */
    public static String module(String diffusersKey) {
        if (!diffusersKey.endsWith(WEIGHT)) throw new InvalidInputException("not a weight key: " + diffusersKey);
        return diffusersKey.substring(0, diffusersKey.length() - WEIGHT.length());
    }

    /** The kohya module name, diffusers spelling. */
    public static String kohya(String diffusersKey) {
        return "lora_unet_" + module(diffusersKey).replace('.', '_');
    }

    /** The kohya module name, CompVis spelling, from the layer's CompVis key. */
    public static String kohyaCompvis(String compvisKey) {
        if (!compvisKey.startsWith(COMPVIS_PREFIX) || !compvisKey.endsWith(WEIGHT)) {
            throw new InvalidInputException("not a CompVis UNet weight key: " + compvisKey);
        }
        return "lora_unet_" + compvisKey.substring(COMPVIS_PREFIX.length(), compvisKey.length() - WEIGHT.length()).replace('.', '_');
    }

    /** The PEFT module name as diffusers' {@code load_lora_weights} reads it. */
    public static String peft(String diffusersKey) {
        return "unet." + module(diffusersKey);
    }
}
