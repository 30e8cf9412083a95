package dev.erasekit.model;

import dev.erasekit.tensor.DType;

/**
 * One cross-attention key or value projection of the UNet, found in the ONNX graph.
 * Immutable; thread-safe.
 *
 * @param site        the attn2 module it belongs to
 * @param projection  "to_k" or "to_v"
 * @param initializer the ONNX initializer holding the weight (e.g. {@code onnx::MatMul_4120})
 * @param node        the MatMul/Gemm node that consumes it
 * @param transposed  true when ONNX stores Wᵀ ([in, out], the torch exporter's MatMul form)
 * @param out         output features (rows of W in PyTorch layout)
 * @param in          input features: the text width
 * @param location    "inline" or where in the external data file
 */
public record CrossAttentionLayer(AttentionSite site, String projection, String initializer, String node,
                                  boolean transposed, DType dtype, int out, int in, String location,
                                  int layersPerBlock) {

    /** {@code <module>.to_k.weight}, the diffusers state-dict key. */
    public String diffusersName() {
        return site.diffusersPath() + "." + projection + ".weight";
    }

    /** {@code model.diffusion_model.<block>.1.transformer_blocks.0.attn2.to_k.weight}, the A1111/ComfyUI key. */
    public String compvisName() {
        return site.compvisPath(layersPerBlock) + "." + projection + ".weight";
    }
}
