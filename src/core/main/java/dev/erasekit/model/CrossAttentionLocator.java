package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import dev.erasekit.error.CorruptFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the cross-attention K/V weights of an ONNX UNet structurally (docs/methods.md §1): a MatMul whose
 * data input is {@code encoder_hidden_states} (directly or through Cast/Reshape/Identity) and whose
 * weight is a rank-2 initializer — stored [in, out] for MatMul, or [out, in] behind a Transpose
 * node, or either way for Gemm (transB). The text embedding reaches the UNet only through these.
 * Names come from the node's module path; when an optimiser has stripped node names, from the
 * attn2 order the UNet config implies (forward order, to_k before to_v in each module).
 * Stateless; thread-safe.
 */
public final class CrossAttentionLocator {
    public static final String TEXT_INPUT = "encoder_hidden_states";
    private static final Set<String> PASS_THROUGH = Set.of("Cast", "Reshape", "Identity");

    private CrossAttentionLocator() {
    }

    private record Candidate(OnnxMl.NodeProto node, OnnxMl.TensorProto weight, boolean transposed) {
    }

    /**
     * The K/V layers in UCE's reference order: every to_v (down, up, mid), then every to_k.
     * {@code config} may be null (no unet/config.json): the layers must then be named in the graph.
     */
    public static List<CrossAttentionLayer> locate(OnnxModel unet, UnetConfig config) {
        if (!unet.inputNames().contains(TEXT_INPUT)) {
            throw new CorruptFileException(unet.file() + " has no '" + TEXT_INPUT + "' input: not a text-conditioned UNet"
                    + " (inputs: " + unet.inputNames() + ")");
        }
        List<Candidate> found = candidates(unet);
        if (found.isEmpty()) {
            throw new CorruptFileException(unet.file() + " has no cross-attention: no MatMul/Gemm applies a constant weight to "
                    + TEXT_INPUT);
        }
        List<CrossAttentionLayer> layers = name(found, unet, config);
        List<CrossAttentionLayer> ordered = new ArrayList<>();
        for (String projection : List.of("to_v", "to_k")) {
            layers.stream().filter(l -> l.projection().equals(projection))
                    .sorted(Comparator.comparing(CrossAttentionLayer::site, AttentionSite.REFERENCE_ORDER))
                    .forEach(ordered::add);
        }
        return ordered;
    }

    private static List<Candidate> candidates(OnnxModel unet) {
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : unet.graph().getNodeList()) for (String o : n.getOutputList()) producer.put(o, n);
        Set<String> text = new HashSet<>(Set.of(TEXT_INPUT));
        for (OnnxMl.NodeProto n : unet.graph().getNodeList()) {
            if (PASS_THROUGH.contains(n.getOpType()) && n.getInputCount() > 0 && text.contains(n.getInput(0))) {
                text.addAll(n.getOutputList());
            }
        }
        Map<String, OnnxMl.TensorProto> init = unet.initializers();
        List<Candidate> out = new ArrayList<>();
        for (OnnxMl.NodeProto n : unet.graph().getNodeList()) {
            if (n.getInputCount() < 2 || !text.contains(n.getInput(0))) continue;
            String w = n.getInput(1);
            if (n.getOpType().equals("MatMul")) {
                if (init.containsKey(w)) {
                    out.add(new Candidate(n, init.get(w), true));
                } else if (producer.containsKey(w) && producer.get(w).getOpType().equals("Transpose")
                        && init.containsKey(producer.get(w).getInput(0))) {
                    out.add(new Candidate(n, init.get(producer.get(w).getInput(0)), false));
                }
            } else if (n.getOpType().equals("Gemm") && init.containsKey(w)) {
                long transB = n.getAttributeList().stream().filter(a -> a.getName().equals("transB"))
                        .mapToLong(OnnxMl.AttributeProto::getI).findFirst().orElse(0);
                out.add(new Candidate(n, init.get(w), transB == 0));
            }
        }
        out.removeIf(c -> c.weight().getDimsCount() != 2);
        return out;
    }

    private static List<CrossAttentionLayer> name(List<Candidate> found, OnnxModel unet, UnetConfig config) {
        List<String[]> named = new ArrayList<>();
        for (Candidate c : found) {
            Optional<String[]> n = fromPath(c.node().getName()).or(() -> fromPath(c.weight().getName()));
            if (n.isEmpty()) break;
            named.add(n.get());
        }
        List<CrossAttentionLayer> out = new ArrayList<>();
        if (named.size() == found.size()) {
            List<AttentionSite> sites = named.stream().map(n -> AttentionSite.parse(n[0]).orElseThrow()).toList();
            // layers per block: the config's, else what the named down-block attentions show
            int lpb = config != null ? config.layersPerBlock() : sites.stream().filter(s -> s.kind() == AttentionSite.Kind.DOWN)
                    .mapToInt(s -> s.attention() + 1).max().orElse(1);
            for (int i = 0; i < found.size(); i++) out.add(layer(found.get(i), sites.get(i), named.get(i)[1], lpb));
            return out;
        }
        if (config == null) {
            throw new CorruptFileException(unet.file() + ": the graph's node names are stripped and the model has no"
                    + " unet/config.json to name its " + found.size() + " cross-attention weights by");
        }
        // Node names stripped: attn2 modules run in forward order, each computing to_k then to_v.
        List<AttentionSite> sites = config.forwardOrder();
        if (found.size() != 2 * sites.size()) {
            throw new CorruptFileException(unet.file() + ": found " + found.size() + " cross-attention weights without module"
                    + " names, but unet/config.json implies " + 2 * sites.size() + "; cannot name them");
        }
        for (int i = 0; i < found.size(); i++) {
            out.add(layer(found.get(i), sites.get(i / 2), i % 2 == 0 ? "to_k" : "to_v", config.layersPerBlock()));
        }
        return out;
    }

    /** {module path, projection} from a node or initializer name that mentions attn2 and to_k/to_v. */
    private static Optional<String[]> fromPath(String name) {
        String dotted = name.replace('/', '.');
        Optional<AttentionSite> site = AttentionSite.parse(dotted);
        if (site.isEmpty()) return Optional.empty();
        String projection = dotted.contains("attn2.to_k") ? "to_k" : dotted.contains("attn2.to_v") ? "to_v" : null;
        return projection == null ? Optional.empty() : Optional.of(new String[] {dotted, projection});
    }

    private static CrossAttentionLayer layer(Candidate c, AttentionSite site, String projection, int layersPerBlock) {
        long d0 = c.weight().getDims(0), d1 = c.weight().getDims(1);
        int out = (int) (c.transposed() ? d1 : d0), in = (int) (c.transposed() ? d0 : d1);
        return new CrossAttentionLayer(site, projection, c.weight().getName(), c.node().getName(), c.transposed(),
                TensorData.dtype(c.weight()), out, in, TensorData.describeLocation(c.weight()), layersPerBlock);
    }
}
