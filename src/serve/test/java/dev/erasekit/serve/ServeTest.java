package dev.erasekit.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.erasekit.Backend;
import dev.erasekit.Engine;
import dev.erasekit.EngineOptions;
import dev.erasekit.Fixtures;
import dev.erasekit.error.Warnings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import javax.imageio.metadata.IIOMetadataNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API against a running server on loopback, with a real HTTP client: policies created,
 * listed, read, deleted and reloaded after a restart; images with and without policies (the PNG
 * carries its parameters, policy ids included); the errors with their statuses and JSON bodies; the
 * metrics page; and a full queue answered with 503 instead of waiting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServeTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private Engine engine;

    @BeforeAll
    void open(@TempDir Path cache) {
        engine = Engine.open(Fixtures.tinySdWide(), EngineOptions.builder().backend(Backend.JAVA).cacheDir(cache).build());
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private ErasekitServer start(ServeOptions o) {
        Warnings w = warnings::add;
        return ErasekitServer.start(engine, o.withPort(0), w);
    }

    private HttpResponse<byte[]> send(ErasekitServer s, String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), "JSON");
        return JsonRequests.JSON.readTree(r.body());
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String code) throws IOException {
        assertEquals(status, r.statusCode(), new String(r.body()));
        JsonNode n = json(r);
        assertEquals(code, n.get("code").asText(), n.toString());
        assertTrue(n.get("message").asText().length() > 5, n.toString());
    }

    private static String parameters(byte[] png) throws IOException {
        var reader = ImageIO.getImageReadersByFormatName("png").next();
        reader.setInput(ImageIO.createImageInputStream(new ByteArrayInputStream(png)));
        IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
        var entries = root.getElementsByTagName("tEXtEntry");
        for (int i = 0; i < entries.getLength(); i++) {
            IIOMetadataNode e = (IIOMetadataNode) entries.item(i);
            if (e.getAttribute("keyword").equals("parameters")) return e.getAttribute("value");
        }
        return null;
    }

    @Test
    void policiesAndImagesOverHttp(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("policies");
        String id;
        byte[] withPolicy;
        try (ErasekitServer s = start(ServeOptions.defaults().withPolicies(dir))) {
            assertEquals(200, send(s, "GET", "/healthz", null).statusCode());
            HttpResponse<byte[]> created = send(s, "POST", "/v1/policies",
                    "{\"method\": \"uce\", \"concepts\": [\"nudity\"], \"guides\": [\" \"], \"settings\": {\"lambda\": 0.5}}");
            assertEquals(201, created.statusCode(), new String(created.body()));
            JsonNode p = json(created);
            id = p.get("id").asText();
            assertEquals("uce", p.get("method").asText());
            assertEquals("nudity", p.get("concepts").get(0).asText());
            assertTrue(p.get("timings_ms").size() > 0 && p.get("metrics").has("erase_residual"), p.toString());
            assertEquals("/v1/policies/" + id, created.headers().firstValue("location").orElseThrow());
            assertTrue(Files.exists(dir.resolve(id + ".policy.safetensors")), "stored");
            HttpResponse<byte[]> surgical = send(s, "POST", "/v1/policies",
                    "{\"method\": \"surgical\", \"concepts\": [\"Van Gogh\"], \"anchors\": [\"dry brushing\"]}");
            assertEquals(201, surgical.statusCode(), new String(surgical.body()));
            String id2 = json(surgical).get("id").asText();
            assertEquals(2, json(send(s, "GET", "/v1/policies", null)).get("policies").size());
            assertEquals(id, json(send(s, "GET", "/v1/policies/" + id, null)).get("id").asText());

            String image = "{\"prompt\": \"a naked woman\", \"seed\": 3, \"steps\": 4, \"width\": 64, \"height\": 64, "
                    + "\"scheduler\": \"ddim\"";
            HttpResponse<byte[]> base = send(s, "POST", "/v1/images", image + "}");
            assertEquals(200, base.statusCode(), new String(base.body()));
            assertEquals("image/png", base.headers().firstValue("content-type").orElseThrow());
            HttpResponse<byte[]> edited = send(s, "POST", "/v1/images", image + ", \"policies\": [\"" + id + "\", \"" + id2 + "\"]}");
            assertEquals(200, edited.statusCode(), new String(edited.body()));
            withPolicy = edited.body();
            assertTrue(parameters(withPolicy).contains("Policies: " + id + "+" + id2), parameters(withPolicy));
            assertTrue(!java.util.Arrays.equals(base.body(), withPolicy), "the policies change the image");

            // errors: JSON {"code", "message"} with the status
            assertError(send(s, "POST", "/v1/images", image + ", \"policies\": [\"missing\"]}"), 404, "not_found");
            assertError(send(s, "GET", "/v1/policies/missing", null), 404, "not_found");
            assertError(send(s, "DELETE", "/v1/policies/missing", null), 404, "not_found");
            assertError(send(s, "GET", "/v2/nothing", null), 404, "not_found");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": "), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "[1, 2]"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"negative\": \"x\"}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": \"x\", \"steps\": 0}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": \"x\", \"steps\": 2.5}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": \"x\", \"width\": 60}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": \"x\", \"scheduler\": \"warp\"}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/images", "{\"prompt\": \"x\", \"colour\": 1}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/policies", "{\"method\": \"esd\", \"concepts\": [\"x\"]}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/policies", "{\"method\": \"uce\", \"concepts\": []}"), 400, "invalid_request");
            assertError(send(s, "POST", "/v1/policies", "{\"method\": \"uce\", \"concepts\": [\"x\"], \"anchors\": [\"y\"]}"), 400,
                    "invalid_request");
            assertError(send(s, "POST", "/v1/policies", "{\"method\": \"uce\", \"concepts\": [\"x\"], \"settings\": {\"lambda\": -1e999}}"),
                    400, "invalid_request");
            assertError(send(s, "POST", "/v1/policies", "{\"method\": \"uce\", \"concepts\": [\" \"]}"), 400, "invalid_request");
            assertError(send(s, "PUT", "/v1/policies", "{}"), 405, "method_not_allowed");
            assertError(send(s, "POST", "/v1/policies", "{\"concepts\": [\"" + "x".repeat(2 << 20) + "\"]}"), 413, "body_too_large");

            String metrics = new String(send(s, "GET", "/metrics", null).body());
            assertTrue(metrics.contains("erasekit_http_requests_total{route=\"/v1/policies\",status=\"201\"} 2"), metrics);
            assertTrue(metrics.contains("erasekit_http_request_duration_seconds_bucket{route=\"/v1/images\""), metrics);
            assertTrue(metrics.contains("erasekit_image_queue_depth") && metrics.contains("erasekit_http_requests_in_flight"), metrics);
            assertTrue(metrics.contains("erasekit_policies 2"), metrics);

            assertEquals(204, send(s, "DELETE", "/v1/policies/" + id2, null).statusCode());
            assertTrue(Files.notExists(dir.resolve(id2 + ".policy.safetensors")), "deleted");
        }
        // a restart reads the stored policy back, and it gives the same image
        Files.writeString(dir.resolve("junk.policy.safetensors"), "not a policy");
        Files.writeString(dir.resolve("notes.txt"), "the user's file");
        try (ErasekitServer s = start(ServeOptions.defaults().withPolicies(dir))) {
            JsonNode list = json(send(s, "GET", "/v1/policies", null));
            assertEquals(1, list.get("policies").size(), list.toString());
            assertEquals(id, list.get("policies").get(0).get("id").asText());
            assertTrue(warnings.stream().anyMatch(w -> w.contains("junk.policy.safetensors")), warnings.toString());
            assertTrue(Files.exists(dir.resolve("junk.policy.safetensors")) && Files.exists(dir.resolve("notes.txt")), "left alone");
        }
    }

    @Test
    void aFullQueueIsRefusedAndConcurrentRequestsShareBatches() throws Exception {
        try (ErasekitServer s = start(ServeOptions.defaults().withWork(1, 2, 4))) {
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/images"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"a cat " + i + "\", \"steps\": 40, \"width\": 64,"
                                + " \"height\": 64}")).build();
                all.add(http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()));
            }
            int ok = 0, busy = 0;
            for (var f : all) {
                HttpResponse<byte[]> r = f.get();
                if (r.statusCode() == 200) ok++;
                else {
                    assertError(r, 503, "busy");
                    busy++;
                }
            }
            System.out.printf("12 requests at once, 1 worker, queue of 2: %d served, %d refused with 503%n", ok, busy);
            assertTrue(ok >= 3 && busy >= 1, ok + " ok, " + busy + " busy");
            String metrics = new String(send(s, "GET", "/metrics", null).body());
            assertTrue(metrics.contains("erasekit_http_requests_total{route=\"/v1/images\",status=\"503\"} " + busy), metrics);
        }
    }

    @Test
    void concurrentImagesShareBatchesAndEqualSingleOnes() throws Exception {
        String body = "{\"prompt\": \"a naked woman\", \"seed\": 5, \"steps\": 6, \"width\": 64, \"height\": 64, \"scheduler\": \"ddim\"}";
        byte[] alone;
        try (ErasekitServer s = start(ServeOptions.defaults().withWork(1, 16, 1))) {
            alone = send(s, "POST", "/v1/images", body).body();
        }
        try (ErasekitServer s = start(ServeOptions.defaults().withWork(1, 16, 8))) {
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/v1/images"))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (var f : all) assertArrayEquals(alone, f.get().body(), "a batched image is the image alone");
            String metrics = new String(send(s, "GET", "/metrics", null).body());
            var m = java.util.regex.Pattern.compile("erasekit_image_batch_size_count (\\d+)").matcher(metrics);
            assertTrue(m.find(), metrics);
            int batches = Integer.parseInt(m.group(1));
            System.out.printf("6 concurrent images ran in %d batches%n", batches);
            assertTrue(batches < 6, "requests waiting together share a batch: " + batches + " batches for 6");
        }
    }
}
