package dev.erasekit.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.EraseRequest;
import dev.erasekit.GenerateRequest;
import dev.erasekit.Policy;
import dev.erasekit.Sampler;
import dev.erasekit.method.EraseMethod;
import dev.erasekit.method.Rece;
import dev.erasekit.method.Surgical;
import dev.erasekit.method.Uce;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The API's JSON bodies, read strictly: unknown fields, wrong types, non-finite or out-of-range numbers
 * and non-integer counts are refused with one line naming the field (→ 400), never guessed at.
 * Stateless; thread-safe.
 */
final class JsonRequests {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> POLICY_FIELDS = Set.of("method", "concepts", "guides", "anchors", "preserves", "settings");
    private static final Set<String> IMAGE_FIELDS = Set.of("prompt", "negative", "seed", "steps", "guidance", "width", "height",
            "scheduler", "policies");

    private JsonRequests() {
    }

    static JsonNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) throw ApiError.badRequest("the body must be a JSON object");
            return n;
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.badRequest("cannot read the body: " + e.getMessage());
        }
    }

    /** {@code POST /v1/policies}: method, concepts, guides or anchors, preserves, settings. */
    static EraseRequest policy(JsonNode n) {
        known(n, POLICY_FIELDS, "");
        String method = text(n, "method", "uce").toLowerCase(Locale.ROOT);
        JsonNode settings = n.has("settings") ? object(n.get("settings"), "settings") : JSON.createObjectNode();
        EraseMethod m = switch (method) {
            case "uce" -> {
                known(settings, Set.of("lambda", "erase_scale", "preserve_scale"), "settings.");
                yield new Uce(number(settings, "lambda", Uce.DEFAULTS.lambda()), number(settings, "erase_scale", Uce.DEFAULTS.eraseScale()),
                        settings.has("preserve_scale") ? number(settings, "preserve_scale", 1.0) : null);
            }
            case "rece" -> {
                known(settings, Set.of("preset", "epochs", "reg", "derivation"), "settings.");
                Rece.Preset preset = choice(settings, "preset", Rece.Preset.NUDITY, JsonRequests::preset, "nudity, unsafe, artist, object");
                Rece base = preset.settings();
                yield new Rece((int) integer(settings, "epochs", base.epochs(), 1, 10), number(settings, "reg", base.reg()),
                        choice(settings, "derivation", base.derivation(),
                                d -> Rece.Derivation.valueOf(d.toUpperCase(Locale.ROOT)), "regzero, standardreg"),
                        base.uceStage(), base.epochStage(), base.epochRetain());
            }
            case "surgical" -> {
                known(settings, Set.of("lambda", "preserve_scale", "null_tolerance"), "settings.");
                yield new Surgical(number(settings, "lambda", Surgical.DEFAULTS.lambda()),
                        number(settings, "preserve_scale", Surgical.DEFAULTS.preserveScale()),
                        number(settings, "null_tolerance", Surgical.DEFAULTS.nullTolerance()));
            }
            default -> throw ApiError.badRequest("method must be uce, rece or surgical, got \"" + method + "\"");
        };
        String targetsField = method.equals("surgical") ? "anchors" : "guides";
        String other = method.equals("surgical") ? "guides" : "anchors";
        if (n.has(other)) throw ApiError.badRequest("the " + method + " method takes \"" + targetsField + "\", not \"" + other + "\"");
        List<String> concepts = strings(n, "concepts");
        if (concepts.isEmpty()) throw ApiError.badRequest("concepts must name at least one concept");
        List<String> targets = strings(n, targetsField);
        if (targets.isEmpty() && m instanceof Rece) targets = List.of(choice(settings, "preset", Rece.Preset.NUDITY, JsonRequests::preset,
                "nudity, unsafe, artist, object").guide());
        return new EraseRequest(m, concepts, targets, strings(n, "preserves"));
    }

    /** {@code POST /v1/images}: all but the prompt optional; {@code policies} resolved by {@code lookup} (404 if unknown). */
    static GenerateRequest image(JsonNode n, Function<String, Policy> lookup) {
        known(n, IMAGE_FIELDS, "");
        if (!n.has("prompt")) throw ApiError.badRequest("prompt is required");
        GenerateRequest.Builder b = GenerateRequest.builder(text(n, "prompt", ""))
                .negative(text(n, "negative", null))
                .seed(n.has("seed") ? integer(n, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : 0)
                .steps((int) integer(n, "steps", 25, 1, 1000))
                .guidance(number(n, "guidance", 7.5))
                .size((int) integer(n, "width", 0, 0, 4096), (int) integer(n, "height", 0, 0, 4096))
                .sampler(choice(n, "scheduler", Sampler.DEFAULT, Sampler::fromId, "default, pndm, ddim, euler, euler-a, lms, dpm++2m"));
        for (String id : strings(n, "policies")) b.policy(lookup.apply(id));
        return b.build();
    }

    private static Rece.Preset preset(String s) {
        return Rece.Preset.valueOf(s.toUpperCase(Locale.ROOT));
    }

    private static void known(JsonNode n, Set<String> fields, String prefix) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!fields.contains(f)) throw ApiError.badRequest("unknown field \"" + prefix + f + "\" (known: " + String.join(", ",
                    fields.stream().sorted().toList()) + ")");
        }
    }

    private static JsonNode object(JsonNode n, String field) {
        if (!n.isObject()) throw ApiError.badRequest(field + " must be an object");
        return n;
    }

    private static String text(JsonNode n, String field, String fallback) {
        if (!n.has(field) || n.get(field).isNull()) return fallback;
        if (!n.get(field).isTextual()) throw ApiError.badRequest(field + " must be a string");
        return n.get(field).asText();
    }

    private static double number(JsonNode n, String field, double fallback) {
        if (!n.has(field)) return fallback;
        JsonNode v = n.get(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) throw ApiError.badRequest(field + " must be a finite number");
        return v.asDouble();
    }

    private static long integer(JsonNode n, String field, long fallback, long min, long max) {
        if (!n.has(field)) return fallback;
        JsonNode v = n.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiError.badRequest(field + " must be an integer");
        long x = v.asLong();
        if (x < min || x > max) throw ApiError.badRequest(field + " must be between " + min + " and " + max + ", got " + x);
        return x;
    }

    private static <T> T choice(JsonNode n, String field, T fallback, Function<String, T> parse, String allowed) {
        String s = text(n, field, null);
        if (s == null) return fallback;
        try {
            return parse.apply(s);
        } catch (RuntimeException e) {
            throw ApiError.badRequest(field + " must be one of " + allowed + ", got \"" + s + "\"");
        }
    }

    private static List<String> strings(JsonNode n, String field) {
        if (!n.has(field) || n.get(field).isNull()) return List.of();
        JsonNode v = n.get(field);
        if (!v.isArray()) throw ApiError.badRequest(field + " must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) throw ApiError.badRequest(field + " must be an array of strings");
            out.add(e.asText());
        }
        return out;
    }
}
