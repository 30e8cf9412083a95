package dev.erasekit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.erasekit.model.CrossAttentionLayer;
import dev.erasekit.model.PooledProjection;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.model.UnetConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code erasekit inspect MODEL [--json]}: family, K/V layers in reference order, where they live, fingerprint. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a Stable Diffusion ONNX export's family, its cross-attention K/V layers (UCE reference order), "
                + "their shapes, dtypes and storage, and the base fingerprint edits are tied to.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "Model folder (optimum or CompVis onnx layout).")
    Path model;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        StableDiffusionModel m = StableDiffusionModel.open(model);
        Map<String, Object> info = describe(m);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
        } else {
            UnetConfig c = m.unetConfig();
            out.printf("model        %s%n", m.dir());
            out.printf("family       %s%n", info.get("family"));
            out.printf("layout       %s%n", m.layout());
            StringBuilder text = new StringBuilder();
            for (var t : m.textEncoders()) {
                text.append(text.isEmpty() ? "" : " + ").append(m.dir().relativize(t.encoderFile().getParent())).append(" (")
                        .append(t.width()).append(t.penultimate() ? ", penultimate layer" : "")
                        .append(t.pooledWidth() > 0 ? ", pooled " + t.pooledWidth() : "").append(")");
            }
            out.printf("text         %s%n", text);
            m.pooledProjection().ifPresent(p -> out.printf("pooled path  text_embeds → %s (%d×%d, its first %d columns; no K/V edit"
                    + " reaches it: erase --pooled edit)%n", PooledProjection.NAME, p.out(), p.in(), p.textColumns()));
            out.printf("UNet         channels %s, layers per block %d, sample size %s, in channels %s%s%n",
                    c.blockOutChannels(), c.layersPerBlock(), c.sampleSize() > 0 ? c.sampleSize() : "unknown",
                    c.inChannels() > 0 ? c.inChannels() : "unknown", c.fromFile() ? "" : " (no unet/config.json: from the graph)");
            out.printf("fingerprint  %s%n", info.get("fingerprint"));
            out.printf("K/V layers   %d (%d parameters), UCE reference order: to_v of each attn2 (down, up, mid), then to_k%n%n",
                    m.layers().size(), info.get("parameters"));
            out.printf("  %3s  %-66s %-10s %-5s %-20s %s%n", "#", "diffusers name", "shape", "dtype", "ONNX initializer", "stored");
            int i = 0;
            for (CrossAttentionLayer l : m.layers()) {
                out.printf("  %3d  %-66s %-10s %-5s %-20s %s%s%n", i++, l.diffusersName(), l.out() + "×" + l.in(),
                        l.dtype().name().toLowerCase(), l.initializer(), l.location(), l.transposed() ? ", transposed" : "");
            }
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> describe(StableDiffusionModel m) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", m.dir().toString());
        int w = m.textWidth();
        boolean realWidth = switch (m.family().family()) {
            case SD1 -> w == 768;
            case SD2 -> w == 1024;
            case SDXL -> w == 2048;
        };
        info.put("family", m.family().family().title() + (realWidth ? "" : " architecture") + " (text width " + w + "; "
                + String.join("; ", m.family().reasons()) + ")");
        info.put("text_width", w);
        List<Map<String, Object>> encoders = new ArrayList<>();
        for (var t : m.textEncoders()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("encoder", m.dir().relativize(t.encoderFile()).toString());
            e.put("tokenizer", m.dir().relativize(t.tokenizerDir()).toString());
            e.put("width", t.width());
            e.put("hidden_state", t.penultimate() ? "penultimate" : "last");
            if (t.pooledWidth() > 0) e.put("pooled_width", t.pooledWidth());
            encoders.add(e);
        }
        info.put("text_encoders", encoders);
        m.pooledProjection().ifPresent(p -> info.put("pooled_projection", Map.of("name", PooledProjection.NAME, "onnx_initializer", p.initializer(),
                "shape", List.of(p.out(), p.in()), "text_columns", p.textColumns())));
        info.put("layout", m.layout());
        info.put("unet_block_out_channels", m.unetConfig().blockOutChannels());
        info.put("unet_config", m.unetConfig().fromFile() ? "unet/config.json" : "inferred from the graph");
        info.put("fingerprint", m.fingerprint());
        long params = m.layers().stream().mapToLong(l -> (long) l.out() * l.in()).sum();
        info.put("parameters", params);
        List<Map<String, Object>> layers = new ArrayList<>();
        for (CrossAttentionLayer l : m.layers()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("diffusers_name", l.diffusersName());
            e.put("compvis_name", l.compvisName());
            e.put("shape", List.of(l.out(), l.in()));
            e.put("dtype", l.dtype().name().toLowerCase());
            e.put("onnx_initializer", l.initializer());
            e.put("onnx_node", l.node());
            e.put("transposed_in_onnx", l.transposed());
            e.put("location", l.location());
            layers.add(e);
        }
        info.put("layers", layers);
        return info;
    }
}
