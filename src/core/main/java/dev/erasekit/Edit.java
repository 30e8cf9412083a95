package dev.erasekit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.WrongBaseException;
import dev.erasekit.export.DeltaFile;
import dev.erasekit.linalg.JavaBackend;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.EmbeddingTransform;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.tensor.WeightOverrides;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An edit of a base model's cross-attention K/V weights: the new weights under their diffusers names,
 * the base model they belong to (its fingerprint), how they were made, and — for the shared-factor
 * edits erasekit makes — the d×d factor M with W'_l = W_l·M for every layer, so the edit can also be
 * served as an embedding transform (docs/methods.md §5). Made by {@link Engine#erase}, read with
 * {@link #read}, written with {@link #write}. Immutable and thread-safe; its weight arrays are shared
 * with what is built from it ({@link #overrides()}) and must not be modified.
 */
public final class Edit {
    private final String methodName;
    private final EraseMethod method;
    private final List<String> concepts;
    private final List<String> targets;
    private final List<String> preserves;
    private final String baseFingerprint;
    private final int width;
    private final List<LayerWeights> layers;
    private final double[] factor;
    private final Map<String, String> compvisNames;
    private final Map<String, Object> solve;
    private final EmbeddingTransform pooled;

    Edit(String methodName, EraseMethod method, List<String> concepts, List<String> targets, List<String> preserves,
         String baseFingerprint, int width, List<LayerWeights> layers, double[] factor, Map<String, String> compvisNames,
         Map<String, Object> solve) {
        this(methodName, method, concepts, targets, preserves, baseFingerprint, width, layers, factor, compvisNames, solve, null);
    }

    private Edit(String methodName, EraseMethod method, List<String> concepts, List<String> targets, List<String> preserves,
                 String baseFingerprint, int width, List<LayerWeights> layers, double[] factor, Map<String, String> compvisNames,
                 Map<String, Object> solve, double[] pooledFactor) {
        if (layers.isEmpty()) throw new InvalidInputException("an edit needs at least one layer");
        // square and finite, or refused (EmbeddingTransform.of copies and checks it)
        this.pooled = pooledFactor == null ? null : EmbeddingTransform.of((int) Math.round(Math.sqrt(pooledFactor.length)), pooledFactor);
        if (factor != null && factor.length != (long) width * width) {
            throw new InvalidInputException("the shared factor must be " + width + "×" + width);
        }
        this.methodName = methodName;
        this.method = method;
        this.concepts = List.copyOf(concepts);
        this.targets = List.copyOf(targets);
        this.preserves = List.copyOf(preserves);
        this.baseFingerprint = baseFingerprint;
        this.width = width;
        this.layers = List.copyOf(layers);
        this.factor = factor == null ? null : factor.clone();
        this.compvisNames = Map.copyOf(compvisNames);
        this.solve = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(solve));
    }

    /**
     * An edit of weights made elsewhere (another tool, a published edit): the new values of some of the
     * base's K/V matrices, under their diffusers names, with no shared factor.
     *
     * @param baseFingerprint the fingerprint of the base the weights belong to
     * @param layers the new weights, under diffusers names
     * @param concepts what the edit erases (for reports)
     * @return the edit
     */
    public static Edit ofWeights(String baseFingerprint, List<LayerWeights> layers, List<String> concepts) {
        int width = layers.isEmpty() ? 0 : layers.getFirst().width();
        return new Edit("weights", null, concepts, List.of(), List.of(), baseFingerprint, width, layers, null, Map.of(), Map.of());
    }

    /**
     * Reads an edit file (safetensors with erasekit's metadata); a corrupt or foreign file is one clear error.
     *
     * @param file the edit file
     * @return the edit
     */
    public static Edit read(Path file) {
        return EditFile.read(file);
    }

    /**
     * Reads an edit file, or a LoRA, PEFT or diff file erasekit exported ({@link #export}): for those,
     * W' = W + ΔW on the base weights (asked for only then, and refused when their fingerprint is not the
     * file's base), rounded to the base's dtype.
     *
     * @param file        the file
     * @param baseWeights the base model's K/V weights, in its reference order
     * @return the edit
     */
    public static Edit read(Path file, Supplier<List<LayerWeights>> baseWeights) {
        if (!DeltaFile.isDeltaFile(file)) return read(file);
        DeltaFile.Contents c = DeltaFile.read(file);
        List<LayerWeights> base = baseWeights.get();
        String fingerprint = StableDiffusionModel.fingerprintOf(base);
        if (!fingerprint.equals(c.baseFingerprint())) {
            throw new WrongBaseException(file + " was made for the base model " + c.baseFingerprint()
                    + ", but this base is " + fingerprint + "; refusing to apply it");
        }
        List<LayerWeights> edited = new ArrayList<>();
        for (LayerWeights w : base) {
            double[] delta = c.deltas().get(w.name());
            if (delta == null) continue;
            int[] shape = c.shapes().get(w.name());
            if (shape[0] != w.out() || shape[1] != w.width()) {
                throw new CorruptFileException(file + ": " + w.name() + " is " + shape[0] + "×" + shape[1]
                        + " but the base's is " + w.out() + "×" + w.width());
            }
            float[] v = w.w().data().clone();
            for (int i = 0; i < v.length; i++) v[i] = w.dtype().round((float) (v[i] + delta[i]));
            edited.add(w.withValues(v));
        }
        if (edited.size() != c.deltas().size()) {
            throw new CorruptFileException(file + " changes layers the base model does not have");
        }
        List<String> concepts;
        try {
            concepts = EditFile.JSON.readValue(c.metadata().getOrDefault("concepts", "[]"),
                    new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new CorruptFileException(file + ": corrupt concepts metadata");
        }
        return new Edit(c.metadata().getOrDefault("method", "weights"), null, concepts, List.of(), List.of(), fingerprint,
                edited.getFirst().width(), edited, null, Map.of(), Map.of());
    }

    /**
     * Writes this edit as safetensors, atomically: the edited tensors in PyTorch layout [out, in] and the
     * base dtype under {@code keys}' names, and metadata saying how it was made (format erasekit-edit/2).
     * The same edit always gives the same bytes.
     *
     * @param file the file to write
     * @param keys the tensor names to use
     */
    public void write(Path file, KeyStyle keys) {
        EditFile.write(file, this, keys);
    }

    /**
     * Writes this edit in another tool's format (README, "Loading an edit elsewhere"), atomically. Without
     * the base weights the delta formats recover W from the stored W' (W = W'·M⁻¹); {@link Engine#export}
     * computes them from the base itself and also reports the K/V error of a truncated rank.
     *
     * @param file    the file to write
     * @param options format, rank and padding
     * @return what was written
     */
    public ExportReport export(Path file, ExportOptions options) {
        try (JavaBackend b = new JavaBackend()) {
            return Exporter.export(this, null, options, file, b, null, null);
        }
    }

    /**
     * "uce", "rece", "surgical", or "weights" for {@link #ofWeights} edits.
     *
     * @return the method's name
     */
    public String methodName() {
        return methodName;
    }

    /**
     * The method and its parameters; empty for edits not made by erasekit's methods.
     *
     * @return the method record, if any
     */
    public Optional<EraseMethod> method() {
        return Optional.ofNullable(method);
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
     * Each concept's guide (UCE, RECE) or anchor (surgical): one for all, or one per concept.
     *
     * @return the targets
     */
    public List<String> targets() {
        return targets;
    }

    /**
     * The prompts the edit was asked to preserve.
     *
     * @return the preserved prompts
     */
    public List<String> preserves() {
        return preserves;
    }

    /**
     * The fingerprint of the base model this edit applies to (and no other).
     *
     * @return the base fingerprint
     */
    public String baseFingerprint() {
        return baseFingerprint;
    }

    /**
     * The text width d.
     *
     * @return d
     */
    public int width() {
        return width;
    }

    /**
     * The diffusers names of the edited layers, in the edit's order.
     *
     * @return the layer names
     */
    public List<String> layerNames() {
        return layers.stream().map(LayerWeights::name).toList();
    }

    /**
     * The edited weights as overrides of the base's (shared arrays: read-only).
     *
     * @return the overrides
     */
    public WeightOverrides overrides() {
        if (pooled != null) return new WeightOverrides(baseFingerprint, layers, pooled);
        return new WeightOverrides(baseFingerprint, layers);
    }

    /**
     * The edit as an embedding transform, when it has a shared factor.
     *
     * @return the transform, if the edit has a shared factor
     */
    public Optional<EmbeddingTransform> transform() {
        return factor == null ? Optional.empty() : Optional.of(EmbeddingTransform.of(width, factor).withPooled(pooled));
    }

    /**
     * A copy of the shared factor M (row-major d×d), when the edit has one.
     *
     * @return a copy of M, if any
     */
    public Optional<double[]> sharedFactor() {
        return Optional.ofNullable(factor).map(double[]::clone);
    }

    /**
     * The weight-space metrics computed when the edit was made (erase residual, unconditional drift).
     *
     * @return the metrics by name
     */
    @SuppressWarnings("unchecked")
    public Map<String, Double> metrics() {
        Object m = solve.get("metrics");
        return m instanceof Map<?, ?> map ? java.util.Collections.unmodifiableMap((Map<String, Double>) map) : Map.of();
    }

    /**
     * How the edit was solved: backend, rows, retained prompts, metrics (as stored in the file).
     *
     * @return the solve facts
     */
    public Map<String, Object> solveInfo() {
        return solve;
    }

    /** The layers (package-internal: shared arrays). */
    List<LayerWeights> layers() {
        return layers;
    }

    /**
     * The pooled-path map M_p (SDXL, {@link PooledPath#EDIT}: W'₁ = W₁·M_p on add_embedding.linear_1's text-embeds
     * columns), row-major p×p, when the edit has one.
     *
     * @return a copy of M_p, if the edit maps the pooled path
     */
    public Optional<double[]> pooledFactor() {
        return Optional.ofNullable(pooled).map(EmbeddingTransform::matrix);
    }

    /** This edit with the pooled-path map M_p (package-internal: the engine's erase and the edit file). */
    Edit withPooledFactor(double[] m) {
        return new Edit(methodName, method, concepts, targets, preserves, baseFingerprint, width, layers, factor, compvisNames, solve, m);
    }

    /** Whether the edit maps the pooled path (package-internal). */
    boolean mapsPooledPath() {
        return pooled != null;
    }

    /** Shared factor without a copy (package-internal). */
    double[] factorOrNull() {
        return factor;
    }

    /**
     * The CompVis (A1111, ComfyUI) key of one of the edit's layers, when the edit knows it.
     *
     * @param diffusersName the layer's diffusers key
     * @return its CompVis key, if known
     */
    public Optional<String> compvisName(String diffusersName) {
        return Optional.ofNullable(compvisNames.get(diffusersName));
    }

    /** diffusers name → CompVis/A1111 name, where known. */
    Map<String, String> compvisNames() {
        return compvisNames;
    }
}
