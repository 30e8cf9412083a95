package dev.erasekit;

import dev.erasekit.io.SafeTensors;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.OnnxModel;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.model.TensorData;
import dev.erasekit.tensor.DType;
import dev.erasekit.tensor.LayerWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * PyTorch-side checkpoints built from a test model's ONNX export, with the real containers' keys and
 * layouts: a single-file SD v1.x checkpoint (CompVis keys: the UNet under {@code model.diffusion_model.},
 * the text encoder under {@code cond_stage_model.transformer.text_model.}, a VAE tensor under
 * {@code first_stage_model.}; other UNet tensors as random fillers, including the downsampler
 * {@code input_blocks.N.0.op.weight} the block layout is read from) and a diffusers folder
 * ({@code unet/diffusion_pytorch_model.safetensors} with diffusers keys and the model's config,
 * {@code text_encoder/model.safetensors}). The K/V and text-encoder values are the ONNX export's.
 */
public final class TestCheckpoints {
    private TestCheckpoints() {
    }

    /** The ONNX text encoder's float initializers that keep their PyTorch names. */
    public static List<SafeTensors.Tensor> textEncoder(StableDiffusionModel m, String prefix, DType dtype) {
        OnnxModel te = OnnxModel.read(m.textEncoderFile());
        List<SafeTensors.Tensor> out = new ArrayList<>();
        te.initializers().forEach((name, t) -> {
            if (!name.startsWith("text_model.") || t.getDataType() != 1) return;
            long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            out.add(new SafeTensors.Tensor(prefix + name, dtype, shape, round(TensorData.floats(t, te.dir()), dtype)));
        });
        out.sort(java.util.Comparator.comparing(SafeTensors.Tensor::name));
        return out;
    }

    /** A single-file checkpoint of {@code m}; {@code edit} may change the tensor list before writing (drop, add, rename). */
    public static Path singleFile(StableDiffusionModel m, Path file, DType dtype, UnaryOperator<List<SafeTensors.Tensor>> edit) {
        Random r = new Random(7);
        List<SafeTensors.Tensor> t = new ArrayList<>();
        t.add(new SafeTensors.Tensor("first_stage_model.decoder.conv_in.weight", dtype, new long[] {8, 4, 3, 3}, random(r, 288, dtype)));
        t.add(new SafeTensors.Tensor("model.diffusion_model.input_blocks.0.0.weight", dtype, new long[] {8, 4, 3, 3}, random(r, 288, dtype)));
        int lpb = m.unetConfig().layersPerBlock();
        t.add(new SafeTensors.Tensor("model.diffusion_model.input_blocks." + (lpb + 1) + ".0.op.weight", dtype, new long[] {4, 4, 3, 3},
                random(r, 144, dtype)));
        List<LayerWeights> w = m.readWeights();
        for (int i = 0; i < w.size(); i++) {
            CrossAttentionLayer l = m.layers().get(i);
            t.add(new SafeTensors.Tensor(l.compvisName(), dtype, new long[] {l.out(), l.in()}, round(w.get(i).w().data(), dtype)));
            t.add(new SafeTensors.Tensor(l.compvisName().replace(".to_k.", ".to_q.").replace(".to_v.", ".to_out.0."), dtype,
                    new long[] {l.out(), l.out()}, random(r, l.out() * l.out(), dtype)));
        }
        t.addAll(textEncoder(m, "cond_stage_model.transformer.", dtype));
        SafeTensors.write(file, Map.of("format", "pt", "modelspec.title", "erasekit test checkpoint"), edit.apply(t));
        return file;
    }

    /** A diffusers folder of {@code m}. */
    public static Path diffusersFolder(StableDiffusionModel m, Path dir) throws IOException {
        Files.createDirectories(dir.resolve("unet"));
        Files.createDirectories(dir.resolve("text_encoder"));
        Files.copy(m.dir().resolve("unet/config.json"), dir.resolve("unet/config.json"));
        Random r = new Random(8);
        List<SafeTensors.Tensor> t = new ArrayList<>();
        t.add(new SafeTensors.Tensor("conv_in.weight", DType.FP32, new long[] {8, 4, 3, 3}, random(r, 288, DType.FP32)));
        for (LayerWeights w : m.readWeights()) {
            t.add(new SafeTensors.Tensor(w.name(), DType.FP32, new long[] {w.out(), w.width()}, w.w().data()));
        }
        SafeTensors.write(dir.resolve("unet/diffusion_pytorch_model.safetensors"), Map.of("format", "pt"), t);
        SafeTensors.write(dir.resolve("text_encoder/model.safetensors"), Map.of("format", "pt"), textEncoder(m, "", DType.FP32));
        return dir;
    }

    private static float[] random(Random r, int n, DType dtype) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = dtype.round((float) r.nextGaussian() * 0.1f);
        return v;
    }

    private static float[] round(float[] v, DType dtype) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = dtype.round(v[i]);
        return o;
    }
}
