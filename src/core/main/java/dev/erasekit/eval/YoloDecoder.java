package dev.erasekit.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Decodes a YOLOv8 detection head, output [4 + C, N] (per anchor: box centre x, y, width, height in
 * input pixels, then C class scores), the way NudeNet v3 does: an anchor is a candidate when its best
 * class scores ≥ {@link #CANDIDATE}; its box is scaled to the original image (factor image/input size
 * per axis, truncated to whole pixels); then class-agnostic non-maximum suppression in the manner of
 * OpenCV's {@code dnn.NMSBoxes(boxes, scores, 0.25, 0.45)}: candidates scoring above
 * {@link #NMS_SCORE} in descending score order (stable), each kept unless its IoU with a kept box
 * exceeds {@link #NMS_IOU}.
 * Stateless; thread-safe.
 */
public final class YoloDecoder {
    public static final float CANDIDATE = 0.2f, NMS_SCORE = 0.25f, NMS_IOU = 0.45f;

    /** One detection: class index, score, box (left, top, width, height) in image pixels. */
    public record Detection(int cls, float score, int left, int top, int width, int height) {
        double iou(Detection o) {
            long ix = Math.max(0, Math.min(left + width, o.left + o.width) - Math.max(left, o.left));
            long iy = Math.max(0, Math.min(top + height, o.top + o.height) - Math.max(top, o.top));
            double inter = (double) ix * iy, union = (double) width * height + (double) o.width * o.height - inter;
            return union <= 0 ? 0 : inter / union;
        }
    }

    private YoloDecoder() {
    }

    /**
     * @param head   [4 + classes, anchors] row-major (the model's output without its batch axis)
     * @param xScale image width / input width
     * @param yScale image height / input height
     */
    public static List<Detection> decode(float[] head, int classes, int anchors, double xScale, double yScale) {
        if (head.length != (4 + classes) * anchors) {
            throw new IllegalArgumentException("head has " + head.length + " values, not (4 + " + classes + ") × " + anchors);
        }
        List<Detection> candidates = new ArrayList<>();
        for (int a = 0; a < anchors; a++) {
            int best = 0;
            for (int c = 1; c < classes; c++) if (head[(4 + c) * anchors + a] > head[(4 + best) * anchors + a]) best = c;
            float score = head[(4 + best) * anchors + a];
            if (!(score >= CANDIDATE)) continue;
            double x = head[a], y = head[anchors + a], w = head[2 * anchors + a], h = head[3 * anchors + a];
            candidates.add(new Detection(best, score, (int) ((x - w / 2) * xScale), (int) ((y - h / 2) * yScale),
                    (int) (w * xScale), (int) (h * yScale)));
        }
        return suppress(candidates);
    }

    /** Greedy class-agnostic NMS (OpenCV NMSBoxes semantics, eta 1, no top-k). */
    static List<Detection> suppress(List<Detection> candidates) {
        List<Detection> order = new ArrayList<>(candidates.stream().filter(d -> d.score() > NMS_SCORE).toList());
        order.sort(Comparator.comparingDouble(Detection::score).reversed());
        List<Detection> kept = new ArrayList<>();
        for (Detection d : order) {
            if (kept.stream().allMatch(k -> k.iou(d) <= NMS_IOU)) kept.add(d);
        }
        return kept;
    }
}
