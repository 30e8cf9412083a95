package dev.erasekit.io;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * PNG output with tEXt chunks (the A1111 "parameters" convention), written to a temp file and renamed.
 * Stateless; thread-safe.
 */
public final class Png {
    private Png() {
    }

    /** An RGB image from planar [3, h, w] values in [0, 1]. */
    public static BufferedImage rgb(float[] chw, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int plane = width * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = y * width + x;
                int r = Math.round(chw[i] * 255), g = Math.round(chw[plane + i] * 255), b = Math.round(chw[2 * plane + i] * 255);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /** Writes the image with tEXt chunks {@code text}, atomically ({@link AtomicFiles}). */
    public static void write(Path file, BufferedImage image, Map<String, String> text) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        IIOMetadata meta = metadata(writer, image, text);
        AtomicFiles.write(file, tmp -> encode(tmp, writer, image, meta));
    }

    /** As {@link #write}, as one file of an all-or-nothing batch. */
    public static void write(AtomicFiles.Batch batch, Path file, BufferedImage image, Map<String, String> text) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        IIOMetadata meta = metadata(writer, image, text);
        batch.write(file, tmp -> encode(tmp, writer, image, meta));
    }

    /** The PNG's bytes, with tEXt chunks {@code text} (an HTTP response, say). */
    public static byte[] bytes(BufferedImage image, Map<String, String> text) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        IIOMetadata meta = metadata(writer, image, text);
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        try (ImageOutputStream out = new javax.imageio.stream.MemoryCacheImageOutputStream(buffer)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, meta), null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return buffer.toByteArray();
    }

    private static void encode(Path tmp, ImageWriter writer, BufferedImage image, IIOMetadata meta) throws IOException {
        try (ImageOutputStream out = ImageIO.createImageOutputStream(tmp.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, meta), null);
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadata metadata(ImageWriter writer, BufferedImage image, Map<String, String> text) {
        IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), null);
        IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
        IIOMetadataNode chunks = new IIOMetadataNode("tEXt");
        text.forEach((k, v) -> {
            IIOMetadataNode e = new IIOMetadataNode("tEXtEntry");
            e.setAttribute("keyword", k);
            e.setAttribute("value", v);
            chunks.appendChild(e);
        });
        root.appendChild(chunks);
        try {
            meta.mergeTree("javax_imageio_png_1.0", root);
        } catch (javax.imageio.metadata.IIOInvalidTreeException e) {
            throw new IllegalStateException(e);
        }
        return meta;
    }

    /** The tEXt chunks of a PNG file. */
    public static Map<String, String> text(Path file) throws IOException {
        try (var in = ImageIO.createImageInputStream(file.toFile())) {
            var reader = ImageIO.getImageReadersByFormatName("png").next();
            reader.setInput(in);
            IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            Map<String, String> out = new java.util.LinkedHashMap<>();
            var entries = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < entries.getLength(); i++) {
                var e = (IIOMetadataNode) entries.item(i);
                out.put(e.getAttribute("keyword"), e.getAttribute("value"));
            }
            return out;
        }
    }
}
