package dev.erasekit.edit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.erasekit.CorruptFileException;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.linalg.FloatMatrix;
import dev.erasekit.linalg.LayerWeights;
import dev.erasekit.model.CrossAttentionLayer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Edit files: safetensors with the edited K/V tensors in PyTorch layout [out, in] and the base
 * dtype, under diffusers state-dict keys (so {@code unet.load_state_dict(edit, strict=False)}
 * loads them) or, with {@link KeyStyle#COMPVIS}, the original checkpoint's keys (A1111, ComfyUI).
 * {@code __metadata__} records the erasekit version, method, parameters and concepts (JSON), the
 * base fingerprint, and for shared-factor edits the d×d matrix M (float64, little-endian, base64).
 */
public final class EditFile {
    public static final String FORMAT = "erasekit-edit/1";
    /** Sorted keys: the same edit always gives the same bytes. */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).build();

    /** Which checkpoint's tensor names the file uses. */
    public enum KeyStyle { DIFFUSERS, COMPVIS }

    private EditFile() {
    }

    public static void write(Path file, Edit edit, KeyStyle style, List<CrossAttentionLayer> layers, String version) {
        Map<String, String> compvis = new LinkedHashMap<>();
        layers.forEach(l -> compvis.put(l.diffusersName(), l.compvisName()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("erasekit_version", version);
        meta.put("method", edit.method());
        meta.put("parameters", json(edit.parameters()));
        meta.put("concepts", json(edit.concepts()));
        meta.put("base_fingerprint", edit.baseFingerprint());
        meta.put("key_style", style.name().toLowerCase());
        meta.put("width", Integer.toString(edit.width()));
        meta.put("diffusers_names", json(edit.layers().stream().map(LayerWeights::name).toList()));
        edit.sharedFactor().ifPresent(m -> {
            ByteBuffer b = ByteBuffer.allocate(m.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (double v : m) b.putDouble(v);
            meta.put("shared_factor", Base64.getEncoder().encodeToString(b.array()));
            meta.put("shared_factor_layout", "float64 little-endian, row-major [" + edit.width() + ", " + edit.width()
                    + "]: W'_l = W_l · M for every layer; equivalently feed M·c for every token row c");
        });
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        for (LayerWeights l : edit.layers()) {
            String name = style == KeyStyle.COMPVIS ? compvis.getOrDefault(l.name(), l.name()) : l.name();
            tensors.add(new SafeTensors.Tensor(name, l.dtype(), new long[] {l.out(), l.width()}, l.w().data()));
        }
        SafeTensors.write(file, meta, tensors);
    }

    public static Edit read(Path file) {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new CorruptFileException(file + " is not an erasekit edit (its metadata has no format " + FORMAT + ")");
        }
        try {
            List<String> names = JSON.readValue(meta.get("diffusers_names"), new TypeReference<List<String>>() { });
            if (names.size() != c.tensors().size()) throw new CorruptFileException(file + ": metadata names " + names.size()
                    + " tensors, the file holds " + c.tensors().size());
            List<LayerWeights> layers = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                SafeTensors.Tensor t = c.tensors().get(i);
                if (t.shape().length != 2) throw new CorruptFileException(file + ": tensor " + t.name() + " is not a matrix");
                FloatMatrix w = new FloatMatrix((int) t.shape()[0], (int) t.shape()[1], t.values());
                int bad = w.firstNonFinite();
                if (bad >= 0) {
                    throw new CorruptFileException(file + ": tensor " + t.name() + " holds a non-finite value (" + w.data()[bad]
                            + ") at row " + bad / w.cols() + ", column " + bad % w.cols() + "; refusing to use it");
                }
                layers.add(new LayerWeights(names.get(i), w, t.dtype()));
            }
            int width = Integer.parseInt(meta.getOrDefault("width", "0"));
            Optional<double[]> m = Optional.ofNullable(meta.get("shared_factor")).map(s -> {
                ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(s)).order(ByteOrder.LITTLE_ENDIAN);
                double[] v = new double[b.remaining() / 8];
                for (int i = 0; i < v.length; i++) v[i] = b.getDouble();
                if (v.length != width * width) throw new CorruptFileException(file + ": shared factor is not " + width + "×" + width);
                for (double x : v) {
                    if (!Double.isFinite(x)) throw new CorruptFileException(file + ": the shared factor M holds non-finite values");
                }
                return v;
            });
            return new Edit(meta.getOrDefault("method", "unknown"),
                    JSON.readValue(meta.getOrDefault("parameters", "{}"), new TypeReference<Map<String, Object>>() { }),
                    JSON.readValue(meta.getOrDefault("concepts", "[]"), new TypeReference<List<String>>() { }),
                    meta.getOrDefault("base_fingerprint", ""), layers, m, width);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CorruptFileException(file + ": corrupt erasekit metadata (" + e.getMessage() + ")");
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
