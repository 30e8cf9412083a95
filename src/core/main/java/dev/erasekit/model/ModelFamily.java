package dev.erasekit.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.error.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which Stable Diffusion family a model folder holds, read from the model's own files (its pipeline
 * index, the UNet, text-encoder, tokenizer and scheduler configs, the UNet graph's inputs), with the
 * evidence. SD 2.x and SDXL differ from SD v1.x in ways an SD v1.x reading gets silently wrong (the
 * tokenizer's padding token, v-prediction, the pooled text path, two text encoders). All three run (the
 * tokenizer pads as the model's tokenizer says, the schedulers turn v into ε, SDXL's two encoders and added
 * conditioning as {@code StableDiffusionXLPipeline} builds them); {@link #requireSupported} refuses what none
 * of them is (other added embeddings, the SDXL refiner's single encoder) rather than run it as one.
 * Immutable; thread-safe.
 *
 * @param family      the family
 * @param vPrediction whether the scheduler config says {@code prediction_type: v_prediction}
 * @param reasons     the files and values that say so (for {@code inspect} and the refusal)
 */
public record ModelFamily(Family family, boolean vPrediction, List<String> reasons) {
    /** The families. */
    public enum Family {
        /** SD v1.x: CLIP ViT-L/14 text model (quick_gelu), EOS padding, epsilon prediction. */
        SD1("Stable Diffusion v1.x"),
        /** SD 2.x: OpenCLIP text model (gelu), "!" padding, linear projections. */
        SD2("Stable Diffusion 2.x"),
        /** SDXL: two text encoders, pooled text embeddings and time ids. */
        SDXL("Stable Diffusion XL");

        private final String title;

        Family(String title) {
            this.title = title;
        }

        /** E.g. "Stable Diffusion 2.x". */
        public String title() {
            return title;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads the family of the model in {@code dir}; {@code unetInputs} are the UNet graph's input names.
     *
     * @return the family and why
     */
    public static ModelFamily detect(Path dir, List<String> unetInputs) {
        List<String> xl = new ArrayList<>(), sd2 = new ArrayList<>(), sd1 = new ArrayList<>();
        JsonNode index = json(dir.resolve("model_index.json")), unet = json(dir.resolve("unet/config.json")),
                text = json(dir.resolve("text_encoder/config.json")), tokens = json(dir.resolve("tokenizer/special_tokens_map.json")),
                scheduler = json(dir.resolve("scheduler/scheduler_config.json"));
        String pipeline = index == null ? "" : index.path("_class_name").asText("");
        if (pipeline.contains("XL")) xl.add("model_index.json: " + pipeline);
        if (Files.isDirectory(dir.resolve("text_encoder_2"))) xl.add("a second text encoder (text_encoder_2/)");
        if (unetInputs.contains("text_embeds") || unetInputs.contains("time_ids")) xl.add("UNet inputs text_embeds/time_ids");
        if (unet != null && "text_time".equals(unet.path("addition_embed_type").asText(null))) {
            xl.add("unet/config.json: addition_embed_type text_time");
        }
        if (unet != null && unet.path("use_linear_projection").asBoolean(false)) sd2.add("unet/config.json: use_linear_projection true");
        if (text != null && "gelu".equals(text.path("hidden_act").asText(null))) sd2.add("text_encoder/config.json: hidden_act gelu");
        if (tokens != null && "!".equals(padToken(tokens))) sd2.add("tokenizer: pad token \"!\"");
        boolean v = scheduler != null && "v_prediction".equals(scheduler.path("prediction_type").asText(null));
        if (v) sd2.add("scheduler: prediction_type v_prediction");
        if (!xl.isEmpty()) return new ModelFamily(Family.SDXL, v, List.copyOf(xl));
        if (!sd2.isEmpty()) return new ModelFamily(Family.SD2, v, List.copyOf(sd2));
        if (text != null && "quick_gelu".equals(text.path("hidden_act").asText(null))) sd1.add("text_encoder/config.json: hidden_act quick_gelu");
        if (unet != null) sd1.add("unet/config.json: conv projections, no added embeddings");
        if (tokens == null || !"!".equals(padToken(tokens))) sd1.add("tokenizer: pads with <|endoftext|>");
        return new ModelFamily(Family.SD1, false, List.copyOf(sd1));
    }

    private static String padToken(JsonNode tokens) {
        JsonNode p = tokens.path("pad_token");
        return p.isTextual() ? p.asText() : p.path("content").asText(null);
    }

    private static JsonNode json(Path file) {
        if (!Files.exists(file)) return null;
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            return null; // the reader of that file reports it
        }
    }

    /** "Stable Diffusion 2.x (unet/config.json: use_linear_projection true; …)". */
    public String describe() {
        return family.title() + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")");
    }

    /**
     * Refuses a model that is none of the three families, with the evidence, rather than run it as one:
     * added embeddings other than SDXL's {@code text_time}, class or image conditioning, an SDXL model
     * without both text encoders (the refiner conditions on text_encoder_2 and an aesthetic score).
     */
    public void requireSupported(Path dir) {
        JsonNode unet = json(dir.resolve("unet/config.json"));
        if (unet != null) {
            String added = unet.path("addition_embed_type").asText("null");
            if (!added.equals("null") && !added.equals("text_time")) refuse(dir, "unet/config.json: addition_embed_type " + added);
            if (!unet.path("class_embed_type").asText("null").equals("null")) {
                refuse(dir, "unet/config.json: class_embed_type " + unet.path("class_embed_type").asText());
            }
            if (!unet.path("encoder_hid_dim_type").asText("null").equals("null")) {
                refuse(dir, "unet/config.json: encoder_hid_dim_type " + unet.path("encoder_hid_dim_type").asText());
            }
        }
        if (family == Family.SDXL) {
            for (String part : List.of("text_encoder/model.onnx", "text_encoder_2/model.onnx", "tokenizer_2/vocab.json")) {
                if (!Files.exists(dir.resolve(part))) {
                    refuse(dir, "an SDXL model without " + part + " (the SDXL refiner, or an incomplete export)");
                }
            }
        }
    }

    private void refuse(Path dir, String why) {
        throw new InvalidInputException(dir + " is not a model erasekit runs (" + why + "): it runs Stable Diffusion v1.x, 2.x"
                + " and SDXL base models, and refuses this one rather than read it as " + family.title());
    }
}
