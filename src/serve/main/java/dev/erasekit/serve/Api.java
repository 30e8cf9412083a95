package dev.erasekit.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.erasekit.Engine;
import dev.erasekit.EraseRequest;
import dev.erasekit.GenerateRequest;
import dev.erasekit.GeneratedImage;
import dev.erasekit.Policy;
import dev.erasekit.error.ErasekitException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.error.OutOfResourcesException;
import dev.erasekit.error.Warnings;
import dev.erasekit.error.WrongBaseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The HTTP API (README, "erasekit serve"): policies under {@code /v1/policies}, images under
 * {@code /v1/images}, {@code /healthz} and {@code /metrics}. JSON in and out; every error is
 * {@code {"code", "message"}} with its status. Blocking handler (generation waits for its batch); run
 * it on virtual threads. Thread-safe.
 */
final class Api extends Handler.Abstract {
    private final Engine engine;
    private final PolicyStore policies;
    private final ImageQueue images;
    private final ServeMetrics metrics;
    private final int maxBody;
    private final Warnings warnings;

    Api(Engine engine, PolicyStore policies, ImageQueue images, ServeMetrics metrics, int maxBody, Warnings warnings) {
        this.engine = engine;
        this.policies = policies;
        this.images = images;
        this.metrics = metrics;
        this.maxBody = maxBody;
        this.warnings = warnings;
    }

    private record Reply(int status, String type, byte[] body, Map<String, String> headers) {
        static Reply json(int status, JsonNode n) {
            return new Reply(status, "application/json", n.toString().getBytes(StandardCharsets.UTF_8), Map.of());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long t0 = System.nanoTime();
        metrics.started();
        String path = Request.getPathInContext(request), method = request.getMethod();
        String route = route(path);
        Reply reply;
        try {
            reply = dispatch(method, path, request);
        } catch (ApiError e) {
            reply = error(e.status(), e.code(), e.getMessage());
        } catch (WrongBaseException e) {
            reply = error(400, "wrong_base", e.getMessage());
        } catch (InvalidInputException e) {
            reply = error(400, "invalid_request", e.getMessage());
        } catch (OutOfResourcesException e) {
            reply = error(503, "out_of_resources", e.getMessage());
        } catch (ErasekitException e) {
            warnings.warn(method + " " + path + ": " + e.getMessage());
            reply = error(500, e.code().name().toLowerCase(), e.getMessage());
        } catch (RuntimeException e) {
            warnings.warn(method + " " + path + ": internal error: " + e);
            reply = error(500, "internal", "internal error: " + e.getClass().getSimpleName());
        }
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, reply.type());
        reply.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        int status = reply.status();
        response.write(true, ByteBuffer.wrap(reply.body()), Callback.from(() -> {
            metrics.finished(route, status, System.nanoTime() - t0);
            callback.succeeded();
        }, x -> {
            metrics.finished(route, status, System.nanoTime() - t0);
            callback.failed(x);
        }));
        return true;
    }

    /** The route's name in the metrics (ids folded, so the label set stays bounded). */
    static String route(String path) {
        if (path.equals("/v1/policies") || path.equals("/v1/images") || path.equals("/healthz") || path.equals("/metrics")) return path;
        if (path.startsWith("/v1/policies/")) return "/v1/policies/{id}";
        return "other";
    }

    private Reply dispatch(String method, String path, Request request) {
        switch (route(path)) {
            case "/healthz" -> {
                allow(method, "GET");
                ObjectNode n = JsonRequests.JSON.createObjectNode().put("status", "ok").put("policies", policies.size());
                return Reply.json(200, n);
            }
            case "/metrics" -> {
                allow(method, "GET");
                metrics.policies(policies.size());
                return new Reply(200, ServeMetrics.CONTENT_TYPE, metrics.scrape(), Map.of());
            }
            case "/v1/policies" -> {
                allow(method, "GET", "POST");
                if (method.equals("GET")) {
                    ArrayNode list = JsonRequests.JSON.createArrayNode();
                    for (Policy p : policies.list()) list.add(view(p));
                    return Reply.json(200, JsonRequests.JSON.createObjectNode().set("policies", list));
                }
                EraseRequest r = JsonRequests.policy(JsonRequests.parse(body(request)));
                Policy p = engine.policy(policies.newId(), r);
                policies.put(p);
                return new Reply(201, "application/json", view(p).toString().getBytes(StandardCharsets.UTF_8),
                        Map.of("Location", "/v1/policies/" + p.id()));
            }
            case "/v1/policies/{id}" -> {
                allow(method, "GET", "DELETE");
                String id = path.substring("/v1/policies/".length());
                if (method.equals("GET")) return Reply.json(200, view(policies.get(id)));
                if (!policies.delete(id)) throw ApiError.notFound("no policy " + id);
                return new Reply(204, "application/json", new byte[0], Map.of());
            }
            case "/v1/images" -> {
                allow(method, "POST");
                GenerateRequest r = JsonRequests.image(JsonRequests.parse(body(request)), policies::get);
                engine.check(r);
                GeneratedImage image = await(images.submit(r));
                return new Reply(200, "image/png", image.png(), Map.of());
            }
            default -> throw ApiError.notFound("no route " + path);
        }
    }

    private static GeneratedImage await(java.util.concurrent.CompletableFuture<GeneratedImage> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "shutting_down", "interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void allow(String method, String... allowed) {
        for (String a : allowed) if (a.equals(method)) return;
        throw new ApiError(405, "method_not_allowed", method + " is not allowed here; use " + String.join(" or ", allowed));
    }

    /** The body, up to the limit (413 beyond it, whether or not a Content-Length announced it). */
    private byte[] body(Request request) {
        if (request.getLength() > maxBody) throw tooLarge();
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] b = in.readNBytes(maxBody + 1);
            if (b.length > maxBody) throw tooLarge();
            return b;
        } catch (IOException e) {
            throw ApiError.badRequest("cannot read the body: " + e.getMessage());
        }
    }

    private ApiError tooLarge() {
        return new ApiError(413, "body_too_large", "the body is over the limit of " + maxBody + " bytes");
    }

    private static ObjectNode view(Policy p) {
        ObjectNode n = JsonRequests.JSON.createObjectNode();
        n.put("id", p.id());
        n.put("method", p.method());
        n.set("concepts", JsonRequests.JSON.valueToTree(p.concepts()));
        n.set(p.method().equals("surgical") ? "anchors" : "guides", JsonRequests.JSON.valueToTree(p.targets()));
        n.set("preserves", JsonRequests.JSON.valueToTree(p.preserves()));
        n.put("base_fingerprint", p.baseFingerprint());
        n.set("timings_ms", JsonRequests.JSON.valueToTree(p.timingsMs()));
        n.set("metrics", JsonRequests.JSON.valueToTree(p.metrics()));
        return n;
    }

    private static Reply error(int status, String code, String message) {
        return Reply.json(status, JsonRequests.JSON.createObjectNode().put("code", code).put("message", message));
    }
}
