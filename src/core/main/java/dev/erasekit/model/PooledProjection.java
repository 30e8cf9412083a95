package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.tensor.DType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * SDXL's pooled text path into the UNet: {@code add_embedding.linear_1} applied to
 * {@code concat(text_embeds, time_proj(time_ids))} (diffusers' {@code text_time} added embedding). Its first
 * {@link #textColumns} input columns are the only place the pooled prompt embedding enters; no K/V edit
 * touches them (docs/methods.md §9). Found by the node's module path, else structurally (a Gemm/MatMul whose
 * data input is a Concat fed by the {@code text_embeds} input). Immutable; thread-safe.
 *
 * @param initializer the ONNX initializer holding W₁
 * @param transposed  true when ONNX stores W₁ᵀ ([in, out])
 * @param dtype       its dtype
 * @param out         output features (the time-embedding width)
 * @param in          input features: the pooled width plus the time ids' embedding
 * @param textColumns the text-embeds columns (the pooled width)
 */
public record PooledProjection(String initializer, boolean transposed, DType dtype, int out, int in, int textColumns) {
    /** The diffusers state-dict key. */
    public static final String NAME = "add_embedding.linear_1.weight";
    private static final Set<String> PASS_THROUGH = Set.of("Cast", "Reshape", "Identity", "Unsqueeze", "Flatten");

    /** The projection of {@code unet}, whose text_embeds input is {@code pooledWidth} wide; empty for a UNet without one. */
    static Optional<PooledProjection> locate(OnnxModel unet, int pooledWidth) {
        if (!unet.inputNames().contains("text_embeds")) return Optional.empty();
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : unet.graph().getNodeList()) for (String o : n.getOutputList()) producer.put(o, n);
        OnnxMl.NodeProto found = null;
        for (OnnxMl.NodeProto n : unet.graph().getNodeList()) {
            if (!n.getOpType().equals("Gemm") && !n.getOpType().equals("MatMul")) continue;
            boolean named = n.getName().replace('/', '.').contains("add_embedding.linear_1");
            OnnxMl.NodeProto concat = producer.get(n.getInput(0));
            boolean structural = concat != null && concat.getOpType().equals("Concat") && concat.getInputCount() > 0
                    && fromTextEmbeds(concat.getInput(0), producer);
            if (named || structural) {
                found = n;
                break;
            }
        }
        if (found == null) {
            throw new CorruptFileException(unet.file() + " takes text_embeds but no Gemm/MatMul of add_embedding.linear_1 reads them");
        }
        Map<String, OnnxMl.TensorProto> init = unet.initializers();
        String w = found.getInput(1);
        boolean transposed;
        if (init.containsKey(w)) {
            long transB = found.getAttributeList().stream().filter(a -> a.getName().equals("transB"))
                    .mapToLong(OnnxMl.AttributeProto::getI).findFirst().orElse(0);
            transposed = found.getOpType().equals("MatMul") || transB == 0;
        } else if (producer.containsKey(w) && producer.get(w).getOpType().equals("Transpose") && init.containsKey(producer.get(w).getInput(0))) {
            w = producer.get(w).getInput(0);
            transposed = false;
        } else {
            throw new CorruptFileException(unet.file() + ": add_embedding.linear_1's weight is not a constant initializer");
        }
        OnnxMl.TensorProto t = init.get(w);
        if (t.getDimsCount() != 2) throw new CorruptFileException(unet.file() + ": add_embedding.linear_1's weight is not a matrix");
        int d0 = (int) t.getDims(0), d1 = (int) t.getDims(1), out = transposed ? d1 : d0, in = transposed ? d0 : d1;
        if (in <= pooledWidth) {
            throw new CorruptFileException(unet.file() + ": add_embedding.linear_1 takes " + in + " inputs, not the pooled width "
                    + pooledWidth + " plus the time ids");
        }
        return Optional.of(new PooledProjection(w, transposed, TensorData.dtype(t), out, in, pooledWidth));
    }

    private static boolean fromTextEmbeds(String value, Map<String, OnnxMl.NodeProto> producer) {
        for (int hops = 0; hops < 8; hops++) {
            if (value.equals("text_embeds")) return true;
            OnnxMl.NodeProto p = producer.get(value);
            if (p == null || !PASS_THROUGH.contains(p.getOpType()) || p.getInputCount() == 0) return false;
            value = p.getInput(0);
        }
        return false;
    }

    /**
     * The folded weight (docs/methods.md §9): W₁ with its text-embeds columns replaced by W₁[:, :p]·M_p, the
     * other columns unchanged; PyTorch layout [out, in], accumulated in float64.
     *
     * @param w1 W₁, [out, in] row-major
     * @param m  M_p, [p, p] row-major
     */
    public float[] fold(float[] w1, double[] m) {
        int p = textColumns;
        float[] outW = w1.clone();
        double[] acc = new double[p];
        for (int i = 0; i < out; i++) {
            java.util.Arrays.fill(acc, 0);
            for (int k = 0; k < p; k++) { // i-k-j: the inner loop runs along a row of M (contiguous, vectorised)
                double a = w1[i * in + k];
                if (a == 0) continue;
                for (int j = 0; j < p; j++) acc[j] += a * m[k * p + j];
            }
            for (int j = 0; j < p; j++) outW[i * in + j] = (float) acc[j];
        }
        return outW;
    }
}
