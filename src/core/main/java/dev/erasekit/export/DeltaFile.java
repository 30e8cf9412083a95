package dev.erasekit.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.tensor.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The files that carry an edit's change ΔW for other tools (kohya LoRA in either spelling, PEFT LoRA,
 * full-rank diff; key names in {@link LoraKeys}), written from {@link LowRankDelta} factors, and read
 * back (erasekit's own files only: their metadata names the base and the layers) for {@code apply}.
 * Factors and diffs are stored as fp32; a LoRA's alpha equals its rank, so every loader's
 * alpha/rank scale is exactly 1. Stateless; thread-safe.
 */
public final class DeltaFile {
    /** The metadata format of erasekit's delta files. */
    public static final String FORMAT = "erasekit-delta/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The spellings {@link #write} knows. */
    public enum Layout { LORA, LORA_COMPVIS, PEFT, DIFF }

    /** A read delta file: its metadata and ΔW (out×d, row-major, float64) per diffusers key. */
    public record Contents(Map<String, String> metadata, Map<String, double[]> deltas, Map<String, int[]> shapes) {
        /** The base model's fingerprint the file was made for. */
        public String baseFingerprint() {
            return metadata.getOrDefault("base_fingerprint", "");
        }
    }

    private DeltaFile() {
    }

    /**
     * Writes the first {@code n} components of every layer's factors (all of ΔW for {@link Layout#DIFF}).
     *
     * @param compvisKeys diffusers key → CompVis key, needed for {@link Layout#LORA_COMPVIS}
     * @param metadata    what to add to the file's metadata (erasekit's keys come on top)
     * @param pad         also write zero factors for every other attention projection (attn1 q/k/v/out,
     *                    attn2 q/out), for loaders that want a LoRA for every attention layer
     */
    public static void write(Path file, Layout layout, List<LowRankDelta.Layer> layers, int n, Map<String, String> compvisKeys,
                             Map<String, String> metadata, boolean pad) {
        if (pad && layout != Layout.LORA && layout != Layout.PEFT) {
            throw new InvalidInputException("padding the other attention projections is for the lora and peft formats only");
        }
        List<SafeTensors.Stored> tensors = new ArrayList<>();
        List<List<String>> names = new ArrayList<>();
        for (LowRankDelta.Layer l : layers) {
            String module = module(layout, l.name(), compvisKeys);
            names.add(List.of(l.name(), module));
            if (layout == Layout.DIFF) {
                tensors.add(new SafeTensors.Tensor(module + ".diff", DType.FP32, new long[] {l.out(), l.d()}, toFloat(l.delta(n))));
            } else {
                factors(tensors, layout, module, l.out(), l.d(), n, downRows(l, n), upColumns(l, n));
            }
        }
        if (pad) {
            for (String site : sites(layers)) {
                int c = layers.stream().filter(l -> l.name().startsWith(site + ".to_k.")).findFirst().orElseThrow().out();
                for (String p : List.of("attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "attn2.to_q", "attn2.to_out.0")) {
                    String key = site.substring(0, site.length() - "attn2".length()) + p + ".weight";
                    factors(tensors, layout, module(layout, key, compvisKeys), c, c, n, new float[n * c], new float[c * n]);
                }
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "pt");
        meta.put("erasekit_format", FORMAT);
        meta.put("erasekit_layout", layout.name().toLowerCase().replace('_', '-'));
        meta.put("erasekit_layers", json(names));
        meta.put("erasekit_padded", Boolean.toString(pad));
        if (layout != Layout.DIFF) {
            meta.put("ss_network_module", "networks.lora");
            meta.put("ss_network_dim", Integer.toString(n));
            meta.put("ss_network_alpha", Integer.toString(n));
        }
        meta.put("ss_base_model_version", "sd_v1");
        SafeTensors.write(file, meta, tensors);
    }

    private static void factors(List<SafeTensors.Stored> tensors, Layout layout, String module, int out, int d, int n, float[] down,
                                float[] up) {
        boolean peft = layout == Layout.PEFT;
        tensors.add(new SafeTensors.Tensor(module + (peft ? ".lora_A.weight" : ".lora_down.weight"), DType.FP32, new long[] {n, d}, down));
        tensors.add(new SafeTensors.Tensor(module + (peft ? ".lora_B.weight" : ".lora_up.weight"), DType.FP32, new long[] {out, n}, up));
        if (!peft) tensors.add(new SafeTensors.Tensor(module + ".alpha", DType.FP32, new long[0], new float[] {n}));
    }

    private static String module(Layout layout, String diffusersKey, Map<String, String> compvisKeys) {
        return switch (layout) {
            case LORA, DIFF -> LoraKeys.kohya(diffusersKey);
            case PEFT -> LoraKeys.peft(diffusersKey);
            case LORA_COMPVIS -> {
                String c = compvisKeys.get(diffusersKey);
                if (c == null) {
                    throw new InvalidInputException("the edit does not know the CompVis name of " + diffusersKey + "; export it as lora");
                }
                yield LoraKeys.kohyaCompvis(c);
            }
        };
    }

    private static List<String> sites(List<LowRankDelta.Layer> layers) {
        return layers.stream().map(l -> l.name().substring(0, l.name().lastIndexOf(".attn2.") + ".attn2".length())).distinct().toList();
    }

    private static float[] downRows(LowRankDelta.Layer l, int n) {
        float[] f = new float[n * l.d()];
        for (int i = 0; i < n * l.d(); i++) f[i] = (float) l.down()[i];
        return f;
    }

    private static float[] upColumns(LowRankDelta.Layer l, int n) {
        float[] f = new float[l.out() * n];
        for (int i = 0; i < l.out(); i++) for (int k = 0; k < n; k++) f[i * n + k] = (float) l.up()[i * l.rank() + k];
        return f;
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    /** Whether {@code file} is a safetensors file whose metadata says it is an erasekit delta file (false for anything unreadable). */
    public static boolean isDeltaFile(Path file) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            return FORMAT.equals(dev.erasekit.io.SafeTensorsHeader.read(file, ch).metadata().get("erasekit_format"));
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads an erasekit delta file back: ΔW per layer (up·down·alpha/rank for the LoRA layouts).
     *
     * @throws CorruptFileException for a file erasekit did not write, or one whose tensors do not match its metadata
     */
    public static Contents read(Path file) {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("erasekit_format"))) {
            throw new CorruptFileException(file + " is not an erasekit edit or delta file (no base fingerprint in its metadata):"
                    + " erasekit applies only edits it can check against the base");
        }
        List<List<String>> names;
        try {
            names = JSON.readValue(meta.getOrDefault("erasekit_layers", "[]"), new TypeReference<List<List<String>>>() { });
        } catch (JsonProcessingException e) {
            throw new CorruptFileException(file + ": corrupt erasekit_layers metadata");
        }
        Map<String, double[]> deltas = new LinkedHashMap<>();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        boolean diff = "diff".equals(meta.get("erasekit_layout")), peft = "peft".equals(meta.get("erasekit_layout"));
        for (List<String> pair : names) {
            if (pair.size() != 2) throw new CorruptFileException(file + ": corrupt erasekit_layers metadata");
            String module = pair.get(1);
            double[] delta;
            int out, d;
            if (diff) {
                SafeTensors.Tensor t = matrix(file, c, module + ".diff");
                out = (int) t.shape()[0];
                d = (int) t.shape()[1];
                delta = finite(file, t);
            } else {
                SafeTensors.Tensor down = matrix(file, c, module + (peft ? ".lora_A.weight" : ".lora_down.weight"));
                SafeTensors.Tensor up = matrix(file, c, module + (peft ? ".lora_B.weight" : ".lora_up.weight"));
                int r = (int) down.shape()[0];
                out = (int) up.shape()[0];
                d = (int) down.shape()[1];
                if (up.shape()[1] != r) throw new CorruptFileException(file + ": " + module + "'s up and down factors do not match");
                double scale = peft ? 1.0 : alpha(file, c, module) / r;
                double[] dn = finite(file, down), u = finite(file, up);
                delta = new double[out * d];
                for (int i = 0; i < out; i++) {
                    for (int k = 0; k < r; k++) {
                        double a = u[i * r + k] * scale;
                        for (int j = 0; j < d; j++) delta[i * d + j] += a * dn[k * d + j];
                    }
                }
            }
            deltas.put(pair.get(0), delta);
            shapes.put(pair.get(0), new int[] {out, d});
        }
        if (deltas.isEmpty()) throw new CorruptFileException(file + " names no layers");
        return new Contents(meta, deltas, shapes);
    }

    private static SafeTensors.Tensor matrix(Path file, SafeTensors.Contents c, String name) {
        SafeTensors.Tensor t = c.tensors().stream().filter(x -> x.name().equals(name)).findFirst()
                .orElseThrow(() -> new CorruptFileException(file + " is missing the tensor " + name));
        if (t.shape().length != 2) throw new CorruptFileException(file + ": " + name + " is not a matrix");
        return t;
    }

    private static double alpha(Path file, SafeTensors.Contents c, String module) {
        return c.tensors().stream().filter(x -> x.name().equals(module + ".alpha")).findFirst()
                .map(t -> (double) t.values()[0]).orElseThrow(() -> new CorruptFileException(file + " is missing " + module + ".alpha"));
    }

    private static double[] finite(Path file, SafeTensors.Tensor t) {
        double[] v = new double[t.values().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.values()[i];
            if (!Double.isFinite(v[i])) throw new CorruptFileException(file + ": " + t.name() + " holds a non-finite value; refusing it");
        }
        return v;
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
