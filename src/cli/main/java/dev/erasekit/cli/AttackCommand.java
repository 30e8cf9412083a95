package dev.erasekit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Backend;
import dev.erasekit.Edit;
import dev.erasekit.edit.Attack;
import dev.erasekit.error.CorruptFileException;
import dev.erasekit.io.CsvTable;
import dev.erasekit.linalg.Backends;
import dev.erasekit.linalg.Dense;
import dev.erasekit.linalg.LinalgBackend;
import dev.erasekit.model.StableDiffusionModel;
import dev.erasekit.tensor.FloatMatrix;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.text.TextEmbedder;
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

/** {@code erasekit attack MODEL --edit EDIT --concept TEXT}: how much of an erased concept attacks bring back. */
@Command(name = "attack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Red-team an edit without generating images: the closed-form adversarial embedding (RECE's derivation)",
                "and a Ring-A-Bell-style attack, reported as the residual ‖W'e − Wc‖/‖Wc‖ of the concept's K/V",
                "(0: the attack restores the concept exactly; 1 or more: it restores nothing)."})
final class AttackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "The base model folder.")
    Path model;

    @Option(names = "--edit", required = true, paramLabel = "EDIT", description = "Edit file to attack.")
    Path editFile;

    @Option(names = "--concept", required = true, paramLabel = "TEXT", description = "The erased concept (repeatable).")
    List<String> concepts;

    @Option(names = "--reg", defaultValue = "0.1", description = "λ_r of the closed-form attack (default ${DEFAULT-VALUE}).")
    double reg;

    @Option(names = "--pairs", paramLabel = "CSV", description = "Ring-A-Bell prompt pairs: a CSV whose first two columns are the sensitive and the neutral prompt.")
    Path pairs;

    @Option(names = "--eta", defaultValue = "3", description = "Ring-A-Bell strength η (default ${DEFAULT-VALUE}; 0.9 for Van Gogh).")
    double eta;

    @Option(names = "--max-pairs", defaultValue = "0", description = "Use only the first N pairs (0: all).")
    int maxPairs;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, openblas or java (default ${DEFAULT-VALUE}).")
    Backend backend;

    @CommandLine.Mixin
    CacheOption cache = new CacheOption();

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OptionChecks.positive("--reg", reg);
        OptionChecks.finite("--eta", eta);
        OptionChecks.atLeast("--max-pairs", maxPairs, 0);
        Edit edit = Edit.read(editFile);
        CsvTable table = pairs == null ? null : pairs(); // a bad pairs file is refused before the model loads
        StableDiffusionModel m = StableDiffusionModel.open(model);
        m.requireBase(edit.baseFingerprint(), "this edit");
        try (LinalgBackend b = Backends.open(backend.id());
             TextEmbedder embedder = dev.erasekit.diffusion.ModelText.embedder(m, cache.root(), CliWarnings.of(spec))) {
            double[] ringABell = table == null ? null : ringABellVector(embedder, table);
            List<LayerWeights> base = m.readWeights(), edited = edit.overrides().layers();
            List<Map<String, Object>> all = new ArrayList<>();
            for (String concept : concepts) {
                FloatMatrix c = embedder.embed(concept).rows();
                List<Attack.Report> reports = new ArrayList<>();
                reports.add(Attack.report("plain prompt", base, edited, Dense.toDouble(c.data()), c, b));
                reports.add(Attack.report("closed-form adversarial (λ_r " + reg + ")", base, edited,
                        Attack.adversarial(base, edited, c, reg, b), c, b));
                if (ringABell != null) {
                    double[] e = Dense.toDouble(c.data());
                    for (int i = 0; i < e.length; i++) e[i] += eta * ringABell[i];
                    reports.add(Attack.report("Ring-A-Bell (η " + eta + ")", base, edited, e, c, b));
                }
                all.add(print(concept, edit, base, reports));
            }
            if (json) spec.commandLine().getOut().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(all));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }

    private CsvTable pairs() {
        CsvTable table = CsvTable.read(pairs);
        if (table.columns().size() < 2) throw new CorruptFileException(pairs + " needs two columns: sensitive prompt, neutral prompt");
        if (table.rows().isEmpty()) throw new CorruptFileException(pairs + " has a header but no prompt pairs");
        return table;
    }

    private double[] ringABellVector(TextEmbedder embedder, CsvTable table) {
        List<String> sensitive = table.column(table.columns().get(0)), neutral = table.column(table.columns().get(1));
        int n = maxPairs > 0 ? Math.min(maxPairs, sensitive.size()) : sensitive.size();
        List<FloatMatrix> s = new ArrayList<>(), u = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(embedder.embed(sensitive.get(i)).rows());
            u.add(embedder.embed(neutral.get(i)).rows());
        }
        return Attack.ringABellVector(s, u);
    }

    private Map<String, Object> print(String concept, Edit edit, List<LayerWeights> base, List<Attack.Report> reports) {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("concept", concept);
        j.put("edit_method", edit.methodName());
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Attack.Report r : reports) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attack", r.attack());
            m.put("residual_edited", r.overall());
            m.put("residual_unedited", r.unedited());
            Map<String, Double> layers = new LinkedHashMap<>();
            for (int l = 0; l < base.size(); l++) layers.put(base.get(l).name(), r.perLayer()[l]);
            m.put("residual_per_layer", layers);
            rs.add(m);
        }
        j.put("attacks", rs);
        if (json) return j;
        out.printf("\"%s\" against the %s edit: residual ‖W'e − Wc‖/‖Wc‖ of the concept's K/V (0: fully restored)%n%n",
                concept, edit.methodName().toUpperCase());
        out.printf("  %-40s %14s %14s%n", "attack embedding e", "edited model", "unedited model");
        for (Attack.Report r : reports) out.printf("  %-40s %14.4f %14.4f%n", r.attack(), r.overall(), r.unedited());
        out.printf("%n  per layer (edited model)%n  %-66s", "layer");
        for (Attack.Report r : reports) out.printf(" %10s", r.attack().split(" ")[0]);
        out.println();
        for (int l = 0; l < base.size(); l++) {
            out.printf("  %-66s", base.get(l).name());
            for (Attack.Report r : reports) out.printf(" %10.4f", r.perLayer()[l]);
            out.println();
        }
        out.println();
        return j;
    }
}
