package dev.erasekit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.SafeTensors;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.tensor.EmbeddingTransform;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A per-request erasure policy (docs/methods.md §5): the d×d factor M of a shared-factor edit (UCE,
 * RECE, the surgical erase), applied to one request's text embeddings — every token row c → M·c — with
 * the UNet's weights untouched. For that request it is exactly the edit W'_l = W_l·M, so one loaded
 * UNet serves every tenant's policy, and requests with different policies share a UNet call
 * ({@link Engine#generateBatch}). Policies stack: p₁ then p₂ is M₂·M₁ ({@link #compose}).
 * <p>Made by {@link Engine#policy}; stored as a small safetensors file (M in float64 and the provenance
 * as metadata, format {@value #FORMAT}) by {@link #write} and {@link #read}. Immutable; thread-safe.
 */
public final class Policy {
    /** The file format's name and version. */
    public static final String FORMAT = "erasekit-policy/1";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String id, method, baseFingerprint;
    private final List<String> concepts, targets, preserves;
    private final EmbeddingTransform transform;
    private final Map<String, Double> metrics, timingsMs;

    Policy(String id, String method, List<String> concepts, List<String> targets, List<String> preserves, String baseFingerprint,
           EmbeddingTransform transform, Map<String, Double> metrics, Map<String, Double> timingsMs) {
        if (method == null || baseFingerprint == null) throw new InvalidInputException("a policy needs its method and base fingerprint");
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidInputException("a policy id is 1–64 lower-case letters, digits and '-', starting with a letter or digit;"
                    + " got " + (id == null ? "none" : "\"" + id + "\""));
        }
        this.id = id;
        this.method = method;
        this.concepts = List.copyOf(concepts);
        this.targets = List.copyOf(targets);
        this.preserves = List.copyOf(preserves);
        this.baseFingerprint = baseFingerprint;
        this.transform = transform;
        this.metrics = Map.copyOf(metrics);
        this.timingsMs = Map.copyOf(timingsMs);
    }

    /**
     * The policy's id.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The erase method's name.
     *
     * @return uce, rece or surgical
     */
    public String method() {
        return method;
    }

    /**
     * The erased concepts.
     *
     * @return the concepts
     */
    public List<String> concepts() {
        return concepts;
    }

    /**
     * The guides or anchors, one per concept.
     *
     * @return the targets
     */
    public List<String> targets() {
        return targets;
    }

    /**
     * The preserved prompts.
     *
     * @return the preserves
     */
    public List<String> preserves() {
        return preserves;
    }

    /**
     * The fingerprint of the base model it was made for.
     *
     * @return the fingerprint
     */
    public String baseFingerprint() {
        return baseFingerprint;
    }

    /**
     * M as an embedding transform.
     *
     * @return the transform
     */
    public EmbeddingTransform transform() {
        return transform;
    }

    /**
     * The edit's weight-space metrics (erase residual, unconditional drift).
     *
     * @return name → value
     */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /**
     * How long making it took, per stage.
     *
     * @return stage → milliseconds
     */
    public Map<String, Double> timingsMs() {
        return timingsMs;
    }

    /**
     * The transform of several policies applied in order (the first to the embeddings first): M_k···M₂·M₁;
     * the identity for none.
     *
     * @param policies the policies, in order
     * @param width    the text width (for the identity)
     * @return the composed transform
     */
    public static EmbeddingTransform compose(List<Policy> policies, int width) {
        EmbeddingTransform t = null;
        for (Policy p : policies) t = t == null ? p.transform : p.transform.after(t);
        return t == null ? EmbeddingTransform.identity(width) : t;
    }

    static Policy of(String id, EraseMethod method, EraseRequest r, String baseFingerprint, int width, double[] m,
                     Map<String, Double> metrics, Map<String, Double> timingsMs) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < r.concepts().size(); i++) targets.add(r.target(i));
        return new Policy(id, method.name(), r.concepts(), targets, r.preserves(), baseFingerprint, EmbeddingTransform.of(width, m),
                metrics, timingsMs);
    }

    /**
     * Writes the policy to {@code file} atomically (a temporary sibling, renamed).
     *
     * @param file the target
     */
    public void write(Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("id", id);
        meta.put("method", method);
        meta.put("base_fingerprint", baseFingerprint);
        meta.put("concepts", json(concepts));
        meta.put("targets", json(targets));
        meta.put("preserves", json(preserves));
        meta.put("metrics", json(new TreeMap<>(metrics)));
        meta.put("timings_ms", json(new TreeMap<>(timingsMs)));
        int d = transform.width();
        SafeTensors.write(file, meta, List.of(new SafeTensors.F64Tensor("M", new long[] {d, d}, transform.matrix()))); // atomic
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(Path file, Map<String, String> meta, String key, TypeReference<T> type) {
        String v = meta.get(key);
        if (v == null) throw new CorruptFileException(file + ": the policy has no " + key);
        try {
            return JSON.readValue(v, type);
        } catch (JsonProcessingException e) {
            throw new CorruptFileException(file + ": the policy's " + key + " is not valid JSON", e);
        }
    }

    /**
     * Reads a policy file; a damaged or foreign file is a {@link CorruptFileException} naming it.
     *
     * @param file the file
     * @return the policy
     */
    public static Policy read(Path file) {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new CorruptFileException(file + " is not an erasekit policy (format " + meta.get("format") + ", expected " + FORMAT + ")");
        }
        if (c.stored().size() != 1 || !(c.stored().getFirst() instanceof SafeTensors.F64Tensor t) || !t.name().equals("M")) {
            throw new CorruptFileException(file + ": a policy holds one float64 tensor M");
        }
        long[] shape = t.shape();
        if (shape.length != 2 || shape[0] != shape[1]) throw new CorruptFileException(file + ": M must be square");
        TypeReference<List<String>> strings = new TypeReference<>() { };
        TypeReference<Map<String, Double>> numbers = new TypeReference<>() { };
        try {
            return new Policy(meta.get("id"), meta.get("method"), parse(file, meta, "concepts", strings), parse(file, meta, "targets",
                    strings), parse(file, meta, "preserves", strings), meta.get("base_fingerprint"),
                    EmbeddingTransform.of((int) shape[0], t.values()), parse(file, meta, "metrics", numbers),
                    parse(file, meta, "timings_ms", numbers));
        } catch (InvalidInputException e) {
            throw new CorruptFileException(file + ": " + e.getMessage(), e);
        }
    }
}
