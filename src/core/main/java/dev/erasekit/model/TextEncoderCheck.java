package dev.erasekit.model;

import dev.erasekit.error.WrongBaseException;
import dev.erasekit.tensor.DType;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks that a checkpoint's text encoder is the ONNX text encoder erasekit encodes prompts with: every
 * SD v1.x uses the same CLIP ViT-L/14 text model, so an edit of a checkpoint takes its embeddings from an
 * ONNX export, and a checkpoint that carries other text-encoder weights (a fine-tuned encoder) is refused.
 * The ONNX exporters keep the names of the weights they do not fold into MatMuls (embeddings, layer norms,
 * biases); each of those the checkpoint also has must agree within its dtype's rounding (half an ulp of
 * the larger magnitude, fp32 values compared to 1e-6 relative). Stateless; thread-safe.
 */
public final class TextEncoderCheck {
    private TextEncoderCheck() {
    }

    /**
     * @return how many tensors were compared (0 when the checkpoint carries no text encoder)
     * @throws WrongBaseException when a tensor differs, or when the checkpoint's text encoder shares no named tensor with the ONNX one
     */
    public static int verify(Checkpoint checkpoint, Path onnxTextEncoder) {
        List<Checkpoint.TextTensor> tensors = checkpoint.textEncoderTensors();
        if (tensors.isEmpty()) return 0;
        OnnxModel te = OnnxModel.read(onnxTextEncoder);
        int compared = 0;
        for (Checkpoint.TextTensor t : tensors) {
            var init = te.initializers().get(t.onnxName());
            DType dtype = DType.ofSafetensors(t.entry().dtype());
            if (init == null || dtype == null || init.getDataType() != ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE
                    && init.getDataType() != ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16_VALUE) {
                continue; // a name the export folded away, or integer position ids
            }
            float[] onnx = TensorData.floats(init, te.dir()), ckpt = t.values();
            if (onnx.length != ckpt.length) {
                throw new WrongBaseException(checkpoint.path() + ": the text encoder's " + t.onnxName() + " has " + ckpt.length
                        + " values, the ONNX text encoder's " + onnx.length + ": not the same text encoder; refusing to erase with it");
            }
            double rel = dtype == DType.FP32 ? 1e-6 : dtype == DType.FP16 ? Math.scalb(1.0, -11) : Math.scalb(1.0, -8);
            for (int i = 0; i < onnx.length; i++) {
                // half an ulp relative, and for fp16 half its subnormal spacing (2^-25) absolute
                double tol = rel * Math.max(Math.abs(onnx[i]), Math.abs(ckpt[i])) + (dtype == DType.FP16 ? Math.scalb(1.0, -25) : 0);
                if (!(Math.abs(onnx[i] - ckpt[i]) <= tol)) {
                    throw new WrongBaseException(checkpoint.path() + ": its text encoder is not the ONNX text encoder " + onnxTextEncoder
                            + " (" + t.onnxName() + "[" + i + "] is " + ckpt[i] + ", the ONNX export's " + onnx[i]
                            + "); erasekit would encode the prompts with the wrong model, so it refuses");
                }
            }
            compared++;
        }
        if (compared == 0) {
            throw new WrongBaseException(checkpoint.path() + " carries text-encoder weights, but none has a name the ONNX text encoder "
                    + onnxTextEncoder + " also has, so they cannot be checked; refusing to erase with an unverified text encoder");
        }
        return compared;
    }
}
