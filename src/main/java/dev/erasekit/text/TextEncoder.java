package dev.erasekit.text;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.erasekit.CorruptFileException;
import dev.erasekit.NativeFailureException;
import dev.erasekit.OrtRuntime;
import dev.erasekit.OrtSessions;
import dev.erasekit.linalg.FloatMatrix;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The CLIP text encoder on ONNX Runtime: token ids [1, 77] → {@code last_hidden_state} [77, width],
 * the UNet's {@code encoder_hidden_states} (docs/methods.md §1). Input name and integer type (int32 in the
 * diffusers converter's exports, int64 in others) are read from the model.
 */
public final class TextEncoder implements AutoCloseable {
    private final OrtEnvironment env = OrtRuntime.environment();
    private final OrtSession session;
    private final String inputName;
    private final OnnxJavaType inputType;
    private final String outputName;

    public TextEncoder(Path modelFile) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            session = env.createSession(modelFile.toString(), options);
            Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
            inputName = input.getKey();
            inputType = ((TensorInfo) input.getValue().getInfo()).type;
            if (inputType != OnnxJavaType.INT32 && inputType != OnnxJavaType.INT64) {
                throw new CorruptFileException(modelFile + ": text encoder input " + inputName + " is " + inputType
                        + ", expected int32 or int64 token ids");
            }
            outputName = session.getOutputNames().contains("last_hidden_state") ? "last_hidden_state"
                    : session.getOutputNames().iterator().next();
        } catch (OrtException e) {
            throw OrtSessions.loadFailure("text encoder", modelFile, e);
        }
    }

    /** last_hidden_state of one prompt's 77 ids, as a [77, width] matrix. */
    public FloatMatrix encode(int[] ids) {
        long[] shape = {1, ids.length};
        try (OnnxTensor in = inputType == OnnxJavaType.INT32
                ? OnnxTensor.createTensor(env, IntBuffer.wrap(ids), shape)
                : OnnxTensor.createTensor(env, LongBuffer.wrap(java.util.Arrays.stream(ids).asLongStream().toArray()), shape);
             OrtSession.Result r = session.run(Map.of(inputName, in))) {
            OnnxTensor out = (OnnxTensor) r.get(outputName).orElseThrow();
            long[] dims = out.getInfo().getShape();
            int rows = (int) dims[1], width = (int) dims[2];
            float[] values = new float[rows * width];
            if (out.getInfo().type == OnnxJavaType.FLOAT16) {
                ShortBuffer sb = out.getShortBuffer();
                for (int i = 0; i < values.length; i++) values[i] = Float.float16ToFloat(sb.get(i));
            } else {
                FloatBuffer fb = out.getFloatBuffer();
                fb.get(values);
            }
            return new FloatMatrix(rows, width, values);
        } catch (OrtException e) {
            throw new NativeFailureException("text encoder failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        OrtSessions.close(session, "text encoder");
    }
}
