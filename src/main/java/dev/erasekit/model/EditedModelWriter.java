package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.erasekit.ErasekitException;
import dev.erasekit.edit.Edit;
import dev.erasekit.linalg.LayerWeights;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes an edited model folder that ONNX Runtime opens like the original, without copying the
 * unchanged weights: {@code unet/model.onnx} is rewritten with the edited K/V initializers inline
 * (19 M parameters for SD v1.4), every other file — external UNet data included — is hard-linked
 * to the base's (a symbolic link where hard links are impossible, a copy as the last resort). The
 * folder is assembled under a temporary name and renamed into place; the base is never written.
 */
public final class EditedModelWriter {
    /** What was written: how many files were hard-linked, symlinked or copied. */
    public record Report(Path out, int edited, int hardLinked, int symlinked, int copied) {
    }

    private int hardLinked, symlinked, copied;

    private EditedModelWriter() {
    }

    public static Report write(StableDiffusionModel base, Edit edit, Path out) {
        if (!edit.baseFingerprint().equals(base.fingerprint())) {
            throw new ErasekitException("this edit was made for the base model " + edit.baseFingerprint() + ", but "
                    + base.dir() + " is " + base.fingerprint() + "; refusing to apply it");
        }
        if (Files.exists(out)) throw new ErasekitException("output folder already exists: " + out);
        Path parent = out.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) throw new ErasekitException("output folder's parent does not exist: " + parent);
        EditedModelWriter w = new EditedModelWriter();
        Path tmp = parent.resolve("." + out.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            w.linkTree(base.dir(), tmp);
            Path unet = tmp.resolve("unet/model.onnx");
            Files.delete(unet);
            writeUnet(base, edit, unet);
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            return new Report(out, edit.layers().size(), w.hardLinked, w.symlinked, w.copied);
        } catch (IOException e) {
            throw new ErasekitException("cannot write " + out + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void writeUnet(StableDiffusionModel base, Edit edit, Path file) throws IOException {
        Map<String, LayerWeights> byInitializer = new HashMap<>();
        Map<String, CrossAttentionLayer> layerOf = new HashMap<>();
        for (CrossAttentionLayer l : base.layers()) layerOf.put(l.initializer(), l);
        for (LayerWeights w : edit.layers()) {
            CrossAttentionLayer l = base.layers().stream().filter(x -> x.diffusersName().equals(w.name())).findFirst()
                    .orElseThrow(() -> new ErasekitException("the edit changes " + w.name() + ", which the model does not have"));
            byInitializer.put(l.initializer(), w);
        }
        OnnxMl.ModelProto.Builder model = base.unet().proto().toBuilder();
        OnnxMl.GraphProto.Builder graph = model.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = graph.getInitializer(i);
            LayerWeights w = byInitializer.get(t.getName());
            if (w == null) continue;
            graph.setInitializer(i, t.toBuilder().clearRawData().clearFloatData().clearInt32Data().clearExternalData()
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
                    .setRawData(ByteString.copyFrom(OnnxLayout.bytes(layerOf.get(t.getName()), w))));
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            model.build().writeTo(os);
        }
    }

    private void linkTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> entries = Files.list(from)) {
            for (Path p : entries.sorted().toList()) {
                Path target = to.resolve(p.getFileName().toString());
                if (Files.isDirectory(p)) linkTree(p, target);
                else link(p.toRealPath(), target);
            }
        }
    }

    private void link(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
            hardLinked++;
            return;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            // another filesystem: fall through
        }
        try {
            Files.createSymbolicLink(target, source);
            symlinked++;
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
            copied++;
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort: the partial folder is named so that users can see what it is
        }
    }
}
