package dev.erasekit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.io.BuildInfo;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Edit files: safetensors with the edited K/V tensors in PyTorch layout [out, in] and the base dtype,
 * under diffusers or CompVis keys, and {@code __metadata__} (all strings; JSON where structured, with
 * sorted keys, so the same edit always gives the same bytes):
 * <pre>
 *   format            erasekit-edit/2            erasekit_version, base_fingerprint, width, key_style
 *   method            uce | rece | surgical | weights
 *   method_parameters the method's record (snake_case JSON)
 *   concepts, guides|anchors, preserves          JSON lists
 *   diffusers_names, compvis_names               the tensors' layers, in file order
 *   solve             backend, rows, retained prompts, metrics (JSON)
 *   shared_factor     M, float64 little-endian row-major, base64 (W'_l = W_l·M)
 *   pooled_factor     M_p, likewise (SDXL's pooled path edited: W'₁ = W₁·M_p on add_embedding.linear_1's text columns)
 * </pre>
 * Files of format erasekit-edit/1 (erasekit 0.1 before the method records) are read too.
 */
final class EditFile {
    static final String FORMAT = "erasekit-edit/2", FORMAT_1 = "erasekit-edit/1";
    static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    private EditFile() {
    }

    static void write(Path file, Edit edit, KeyStyle style) {
        if (style == KeyStyle.COMPVIS && !edit.compvisNames().keySet().containsAll(edit.layerNames())) {
            throw new dev.erasekit.error.InvalidInputException("this edit does not know the CompVis names of its layers; write it"
                    + " with diffusers keys");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("erasekit_version", BuildInfo.version());
        meta.put("method", edit.methodName());
        edit.method().ifPresent(m -> meta.put("method_parameters", json(m)));
        meta.put("concepts", json(edit.concepts()));
        meta.put(edit.method().map(EraseMethod::targetsName).orElse("guides"), json(edit.targets()));
        meta.put("preserves", json(edit.preserves()));
        meta.put("base_fingerprint", edit.baseFingerprint());
        meta.put("key_style", style.name().toLowerCase());
        meta.put("width", Integer.toString(edit.width()));
        meta.put("diffusers_names", json(edit.layerNames()));
        if (!edit.compvisNames().isEmpty()) {
            meta.put("compvis_names", json(edit.layerNames().stream().map(n -> edit.compvisNames().getOrDefault(n, "")).toList()));
        }
        meta.put("solve", json(edit.solveInfo()));
        double[] m = edit.factorOrNull();
        if (m != null) {
            meta.put("shared_factor", base64(m));
            meta.put("shared_factor_layout", "float64 little-endian, row-major [" + edit.width() + ", " + edit.width()
                    + "]: W'_l = W_l · M for every layer; equivalently feed M·c for every token row c");
        }
        double[] mp = edit.pooledFactor().orElse(null);
        if (mp != null) {
            int p = (int) Math.round(Math.sqrt(mp.length));
            meta.put("pooled_factor", base64(mp));
            meta.put("pooled_factor_layout", "float64 little-endian, row-major [" + p + ", " + p + "]: add_embedding.linear_1's"
                    + " text-embeds columns W'₁ = W₁ · M_p; equivalently feed M_p·text_embeds");
        }
        List<SafeTensors.Tensor> tensors = new ArrayList<>();
        for (LayerWeights l : edit.layers()) {
            String name = style == KeyStyle.COMPVIS ? edit.compvisNames().get(l.name()) : l.name();
            tensors.add(new SafeTensors.Tensor(name, l.dtype(), new long[] {l.out(), l.width()}, l.w().data()));
        }
        SafeTensors.write(file, meta, tensors);
    }

    static Edit read(Path file) {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        String format = meta.get("format");
        if (!FORMAT.equals(format) && !FORMAT_1.equals(format)) {
            throw new CorruptFileException(file + " is not an erasekit edit (its metadata has no format " + FORMAT + ")");
        }
        try {
            List<String> names = list(meta, "diffusers_names");
            if (names.size() != c.tensors().size()) throw new CorruptFileException(file + ": metadata names " + names.size()
                    + " tensors, the file holds " + c.tensors().size());
            List<String> compvis = meta.containsKey("compvis_names") ? list(meta, "compvis_names") : List.of();
            Map<String, String> compvisNames = new LinkedHashMap<>();
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
                if (i < compvis.size() && !compvis.get(i).isEmpty()) compvisNames.put(names.get(i), compvis.get(i));
                if ("compvis".equals(meta.get("key_style"))) compvisNames.put(names.get(i), t.name());
            }
            int width = Integer.parseInt(meta.getOrDefault("width", "0"));
            double[] m = factor(file, meta.get("shared_factor"), width);
            String method = meta.getOrDefault("method", "weights");
            List<String> concepts = list(meta, "concepts");
            String fingerprint = meta.getOrDefault("base_fingerprint", "");
            if (FORMAT_1.equals(format)) return readVersion1(meta, method, concepts, fingerprint, width, layers, m, compvisNames);
            EraseMethod record = meta.containsKey("method_parameters") ? method(method, JSON.readTree(meta.get("method_parameters")))
                    : null;
            List<String> targets = list(meta, record == null ? "guides" : record.targetsName());
            Map<String, Object> solve = JSON.readValue(meta.getOrDefault("solve", "{}"), new TypeReference<LinkedHashMap<String, Object>>() { });
            Edit edit = new Edit(method, record, concepts, targets, list(meta, "preserves"), fingerprint, width, layers, m, compvisNames, solve);
            if (!meta.containsKey("pooled_factor")) return edit;
            double[] mp = factor(file, meta.get("pooled_factor"), -1);
            return edit.withPooledFactor(mp);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CorruptFileException(file + ": corrupt erasekit metadata (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** A method record from its name and its JSON parameters. */
    static EraseMethod method(String name, JsonNode parameters) throws JsonProcessingException {
        try {
            return switch (name) {
                case "uce" -> JSON.treeToValue(parameters, Uce.class);
                case "rece" -> JSON.treeToValue(parameters, Rece.class);
                case "surgical" -> JSON.treeToValue(parameters, Surgical.class);
                default -> null;
            };
        } catch (ErasekitException e) {
            throw new IllegalArgumentException("method_parameters: " + e.getMessage(), e);
        }
    }

    /** erasekit-edit/1: everything about the method was in one "parameters" map. */
    private static Edit readVersion1(Map<String, String> meta, String method, List<String> concepts, String fingerprint, int width,
                                     List<LayerWeights> layers, double[] m, Map<String, String> compvisNames)
            throws JsonProcessingException {
        JsonNode p = JSON.readTree(meta.getOrDefault("parameters", "{}"));
        EraseMethod record = switch (method) {
            case "uce" -> new Uce(p.path("lambda").asDouble(0.5), p.path("erase_scale").asDouble(1), p.has("preserve_scale")
                    ? p.get("preserve_scale").asDouble() : null);
            case "rece" -> new Rece(p.path("epochs").asInt(), p.path("reg").asDouble(0.1),
                    Rece.Derivation.valueOf(p.path("derivation").asText("regzero").toUpperCase()), Rece.UCE_STAGE, Rece.EPOCH_STAGE,
                    JSON.convertValue(p.path("epoch_retain"), new TypeReference<List<String>>() { }) == null ? List.of(" ")
                            : JSON.convertValue(p.path("epoch_retain"), new TypeReference<List<String>>() { }));
            case "surgical" -> new Surgical(p.path("lambda").asDouble(0.01), p.path("preserve_scale").asDouble(0.1),
                    p.path("null_tolerance").asDouble(1e-10));
            default -> null;
        };
        JsonNode t = p.has("anchors") ? p.get("anchors") : p.path("guides");
        List<String> targets = t.isArray() ? JSON.convertValue(t, new TypeReference<List<String>>() { }) : List.of();
        Map<String, Object> solve = new LinkedHashMap<>();
        if (p.has("metrics")) solve.put("metrics", JSON.convertValue(p.get("metrics"), new TypeReference<Map<String, Object>>() { }));
        if (p.has("backend")) solve.put("backend", p.get("backend").asText());
        return new Edit(method, record, concepts, targets, List.of(), fingerprint, width, layers, m, compvisNames, solve);
    }

    private static String base64(double[] m) {
        ByteBuffer b = ByteBuffer.allocate(m.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : m) b.putDouble(v);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static double[] factor(Path file, String base64, int width) {
        if (base64 == null) return null;
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        double[] v = new double[b.remaining() / 8];
        for (int i = 0; i < v.length; i++) v[i] = b.getDouble();
        if (width < 0) width = (int) Math.round(Math.sqrt(v.length)); // the pooled factor: square, of the pooled width
        if (v.length != width * width) throw new CorruptFileException(file + ": a factor is not " + width + "×" + width);
        for (double x : v) if (!Double.isFinite(x)) throw new CorruptFileException(file + ": a factor holds non-finite values");
        return v;
    }

    private static List<String> list(Map<String, String> meta, String key) throws JsonProcessingException {
        String v = meta.get(key);
        return v == null ? List.of() : JSON.readValue(v, new TypeReference<List<String>>() { });
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
