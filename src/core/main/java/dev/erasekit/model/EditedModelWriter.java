package dev.erasekit.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.io.AtomicFiles;
import dev.erasekit.io.OutputPaths;
import dev.erasekit.tensor.WeightOverrides;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes an edited model folder that ONNX Runtime opens like the original, without copying the
 * unchanged weights: {@code unet/model.onnx} is rewritten with the edited K/V initializers inline
 * (19 M parameters for SD v1.4); the large weight files (external UNet data, the other ONNX graphs:
 * weight formats of {@link #LINK_THRESHOLD} and up) are hard-linked to the base's (a symbolic link where hard links
 * are impossible, a copy as the last resort); every small file (configs, tokenizer) is copied, so
 * editing the new folder's files in place can never change the base. The folder is assembled under a
 * temporary name beside the output and renamed into place; the base is never written.
 * Stateless; thread-safe.
 */
public final class EditedModelWriter {
    /** Weight files at least this large (1 MiB) are linked; everything else is copied. */
    static final long LINK_THRESHOLD = 1 << 20;
    private static final java.util.Set<String> WEIGHT_FILES = java.util.Set.of("onnx", "onnx_data", "pb", "bin", "safetensors",
            "ckpt", "pt", "pth", "data");

    static boolean isLargeWeightFile(Path p) throws IOException {
        String name = p.getFileName().toString();
        String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT) : "";
        return WEIGHT_FILES.contains(ext) && Files.size(p) >= LINK_THRESHOLD;
    }

    /** What was written: how many files were hard-linked, symlinked or copied. */
    public record Report(Path out, int edited, int hardLinked, int symlinked, int copied) {
    }

    private int hardLinked, symlinked, copied;

    private EditedModelWriter() {
    }

    /** Refuses an output before any work: it must not exist, and must lie outside the base model. */
    public static void checkOutput(StableDiffusionModel base, Path out, Path... inputs) {
        if (Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidInputException("output folder already exists: " + out);
        }
        OutputPaths.checkFolder(out, java.util.List.of(base.dir()), java.util.Arrays.asList(inputs));
    }

    /** Writes the base with {@code edited} weights to {@code out}; refuses weights made for another base. */
    public static Report write(StableDiffusionModel base, WeightOverrides edited, Path out) {
        base.requireBase(edited.baseFingerprint(), "this edit");
        checkOutput(base, out);
        EditedModelWriter w = new EditedModelWriter();
        Path tmp = AtomicFiles.temporaryFolder(out);
        try {
            w.linkTree(base.dir(), tmp);
            Path unet = tmp.resolve("unet/model.onnx");
            Files.delete(unet);
            writeUnet(base, edited, unet);
            AtomicFiles.publishFolder(tmp, out);
            return new Report(out, edited.layers().size(), w.hardLinked, w.symlinked, w.copied);
        } catch (IOException e) {
            throw AtomicFiles.writeFailure(out, e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void writeUnet(StableDiffusionModel base, WeightOverrides edit, Path file) throws IOException {
        // each layer transposed to the ONNX layout and encoded independently (77 MB at SD v1.4 size): in parallel
        Map<String, ByteString> raw = base.patches(edit).parallelStream()
                .collect(Collectors.toMap(InitializerPatch::initializer, p -> ByteString.copyFrom(p.bytes())));
        OnnxMl.ModelProto.Builder model = base.unet().proto().toBuilder();
        OnnxMl.GraphProto.Builder graph = model.getGraphBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = graph.getInitializer(i);
            ByteString w = raw.get(t.getName());
            if (w == null) continue;
            graph.setInitializer(i, t.toBuilder().clearRawData().clearFloatData().clearInt32Data().clearExternalData()
                    .setDataLocation(OnnxMl.TensorProto.DataLocation.DEFAULT)
                    .setRawData(w));
        }
        try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            model.build().writeTo(os);
        }
    }

    private void linkTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> entries = Files.list(from)) {
            for (Path p : entries.sorted().toList()) {
                Path target = to.resolve(p.getFileName().toString());
                if (Files.isDirectory(p)) {
                    linkTree(p, target);
                } else if (!isLargeWeightFile(p)) {
                    Files.copy(p, target);
                    copied++;
                } else {
                    link(p.toRealPath(), target);
                }
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
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            // best effort: the next apply to the same output removes it (AtomicFiles)
        }
    }
}
