package dev.erasekit.model;

import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.WrongBaseException;
import dev.erasekit.io.AtomicFiles;
import dev.erasekit.io.SafeTensorsHeader;
import dev.erasekit.tensor.LayerWeights;
import dev.erasekit.tensor.WeightOverrides;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Writes an edited single-file checkpoint by streaming: the header (and so the metadata) and every byte
 * outside the edited K/V tensors are copied as they are ({@link FileChannel#transferTo}, in the file's
 * order), the edited tensors are encoded in their own dtype in their own byte ranges. Memory holds one
 * K/V matrix at a time, whatever the checkpoint's size; the output is written to a temporary sibling
 * and renamed. Stateless; thread-safe.
 */
public final class CheckpointWriter {
    private CheckpointWriter() {
    }

    /** What was written. */
    public record Report(Path out, int edited, long bytes) {
    }

    /**
     * Writes {@code in} with {@code edit}'s weights to {@code out}; refuses an edit for another base.
     *
     * @param in   a single-file checkpoint
     * @param edit the new K/V weights, under diffusers names
     * @param out  the file to write
     * @return what was written
     */
    public static Report write(Checkpoint in, WeightOverrides edit, Path out) {
        if (edit.pooled() != null) {
            throw new InvalidInputException("this edit also maps SDXL's pooled text path (--pooled edit); apply --checkpoint writes"
                    + " K/V edits only: apply it to the ONNX model, or erase with --pooled keep");
        }
        if (!in.singleFile()) {
            throw new InvalidInputException(in.path() + " is a diffusers folder: apply --checkpoint writes single-file checkpoints; for"
                    + " diffusers, export the edit with --format diffusers and load it with unet.load_state_dict(..., strict=False)");
        }
        if (!in.fingerprint().equals(edit.baseFingerprint())) {
            throw new WrongBaseException("the edit was made for the base model " + edit.baseFingerprint() + ", but " + in.path() + " is "
                    + in.fingerprint() + "; refusing to apply it");
        }
        record Patch(Checkpoint.Layer layer, LayerWeights w) {
        }
        List<Patch> patches = new ArrayList<>();
        for (LayerWeights w : edit.layers()) {
            Checkpoint.Layer l = in.layer(w.name()).orElseThrow(() -> new InvalidInputException("the edit changes " + w.name()
                    + ", which the checkpoint does not have"));
            if (l.out() != w.out() || l.in() != w.width()) {
                throw new InvalidInputException("the edit's " + w.name() + " is " + w.out() + "×" + w.width() + ", the checkpoint's "
                        + l.out() + "×" + l.in());
            }
            patches.add(new Patch(l, w));
        }
        patches.sort(Comparator.comparingLong(p -> p.layer().entry().begin()));
        SafeTensorsHeader h = in.header();
        long[] size = new long[1];
        AtomicFiles.write(out, tmp -> {
            try (FileChannel src = FileChannel.open(in.unetFile(), StandardOpenOption.READ);
                 FileChannel dst = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                long at = 0;
                for (Patch p : patches) {
                    long begin = h.dataStart() + p.layer().entry().begin();
                    copy(src, dst, at, begin - at);
                    ByteBuffer b = ByteBuffer.allocate((int) p.layer().entry().bytes()).order(ByteOrder.LITTLE_ENDIAN);
                    if (p.layer().dtype() == dev.erasekit.tensor.DType.FP32) b.asFloatBuffer().put(p.w().w().data());
                    else {
                        for (float v : p.w().w().data()) p.layer().dtype().put(b, v);
                        b.flip();
                    }
                    dst.position(begin);
                    while (b.hasRemaining()) dst.write(b);
                    at = begin + p.layer().entry().bytes();
                }
                copy(src, dst, at, src.size() - at);
                size[0] = dst.size();
            }
        });
        return new Report(out, patches.size(), size[0]);
    }

    private static void copy(FileChannel src, FileChannel dst, long from, long count) throws IOException {
        long done = 0;
        while (done < count) {
            long n = src.transferTo(from + done, count - done, dst.position(from + done));
            if (n <= 0) throw new IOException("unexpected end of " + src);
            done += n;
        }
    }
}
