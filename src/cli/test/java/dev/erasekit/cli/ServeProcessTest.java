package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code erasekit serve} as its own process on the bundled toy model: SIGTERM lets a request in flight
 * finish and exits 0; and a bounded load test (8 clients, requests mixing policy creation and 16-step
 * images; {@code -Derasekit.load.requests=N} per client, 25 by default, the README's figures use 200):
 * no errors, latency percentiles and throughput printed, resident memory flat over the run.
 */
class ServeProcessTest {
    private static final Pattern LISTENING = Pattern.compile("on http://127\\.0\\.0\\.1:(\\d+)");
    private final HttpClient http = HttpClient.newHttpClient();

    private record Server(Process process, int port, Path out) {
    }

    private static Server start(Path tmp, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(CliProcess.javaCommand());
        cmd.set(cmd.indexOf("-Xmx2g"), "-Xmx1g");
        cmd.addAll(List.of("serve", Fixtures.tinyShapes().toString(), "--port", "0", "--cache-dir", tmp.resolve("cache").toString()));
        cmd.addAll(List.of(extra));
        Path out = tmp.resolve("serve.out");
        // files, not pipes: Process.destroy() closes the pipes, and the last line comes after it
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(tmp.resolve("serve.err").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(out));
            if (m.find()) return new Server(p, Integer.parseInt(m.group(1)), out);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("the server did not start: " + Files.readString(out) + "\n" + Files.readString(tmp.resolve("serve.err")));
    }

    private HttpResponse<String> post(int port, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void sigtermFinishesTheRequestInFlightAndExitsZero(@TempDir Path tmp) throws Exception {
        Server s = start(tmp);
        CompletableFuture<HttpResponse<byte[]>> inFlight = http.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.port() + "/v1/images")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"prompt\": \"a red circle\", \"steps\": 400}")).build(), HttpResponse.BodyHandlers.ofByteArray());
        Thread.sleep(1500); // the request is running
        s.process().destroy(); // SIGTERM
        HttpResponse<byte[]> r = inFlight.get(120, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("image/png", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(s.process().waitFor(60, TimeUnit.SECONDS), "exits");
        assertEquals(0, s.process().exitValue(), Files.readString(tmp.resolve("serve.err")));
        assertTrue(Files.readString(s.out()).contains("stopping"), "says it stops");
    }

    @Test
    void boundedLoadMixingPoliciesAndImages(@TempDir Path tmp) throws Exception {
        int clients = 8, perClient = Integer.getInteger("erasekit.load.requests", 25);
        Server s = start(tmp, "--policies", tmp.resolve("policies").toString());
        try {
            List<String> ids = new CopyOnWriteArrayList<>();
            String first = post(s.port(), "/v1/policies", "{\"concepts\": [\"red\"], \"guides\": [\"blue\"]}").body();
            ids.add(new ObjectMapper().readTree(first).get("id").asText());
            List<Long> imageMs = Collections.synchronizedList(new ArrayList<>()), policyMs = Collections.synchronizedList(new ArrayList<>());
            List<Long> rss = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger errors = new AtomicInteger();
            List<String> errorBodies = new CopyOnWriteArrayList<>();
            String[] colours = {"red", "green", "blue", "yellow"}, shapes = {"circle", "square", "triangle"};
            ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
            Future<?> sampler = pool.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        rss.add(rssKb(s.process().pid()));
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return null;
                    }
                }
                return null;
            });
            long t0 = System.nanoTime();
            List<Future<?>> work = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                work.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(client);
                    for (int i = 0; i < perClient; i++) {
                        long q = System.nanoTime();
                        HttpResponse<String> resp;
                        boolean policy = i % 5 == 0;
                        if (policy) {
                            String colour = colours[r.nextInt(colours.length)];
                            resp = post(s.port(), "/v1/policies", "{\"concepts\": [\"" + colour + "\"], \"guides\": [\""
                                    + colours[(r.nextInt(3) + 1 + java.util.Arrays.asList(colours).indexOf(colour)) % 4] + "\"]}");
                            if (resp.statusCode() == 201) ids.add(new ObjectMapper().readTree(resp.body()).get("id").asText());
                        } else {
                            String pol = r.nextBoolean() ? "" : ", \"policies\": [\"" + ids.get(r.nextInt(ids.size())) + "\"]";
                            resp = post(s.port(), "/v1/images", "{\"prompt\": \"a " + colours[r.nextInt(4)] + " "
                                    + shapes[r.nextInt(3)] + "\", \"seed\": " + r.nextInt(1000) + ", \"steps\": 16" + pol + "}");
                        }
                        long ms = (System.nanoTime() - q) / 1_000_000;
                        if (resp.statusCode() / 100 != 2) {
                            errors.incrementAndGet();
                            errorBodies.add(resp.statusCode() + " " + resp.body());
                        }
                        (policy ? policyMs : imageMs).add(ms);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) f.get(20, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - t0) / 1e9;
            sampler.cancel(true);
            pool.shutdownNow();
            int total = clients * perClient;
            System.out.printf("load: %d clients × %d requests in %.1f s: %.1f requests/s; images p50 %d ms p99 %d ms (%d);"
                    + " policies p50 %d ms p99 %d ms (%d); errors %d%n", clients, perClient, seconds, total / seconds,
                    pct(imageMs, 50), pct(imageMs, 99), imageMs.size(), pct(policyMs, 50), pct(policyMs, 99), policyMs.size(), errors.get());
            List<Long> samples = new ArrayList<>(rss);
            int n = samples.size();
            long early = Collections.max(samples.subList(n / 4, n / 2)), late = Collections.max(samples.subList(n / 2, n));
            System.out.printf("load: resident memory %d MB at the first half's end, %d MB at the end (%d samples)%n", early / 1024,
                    late / 1024, n);
            assertEquals(0, errors.get(), errorBodies.toString());
            assertTrue(late <= early * 1.15 + 32 * 1024, "resident memory flat: " + early / 1024 + " MB → " + late / 1024 + " MB");
        } finally {
            s.process().destroy();
            s.process().waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static long pct(List<Long> v, int p) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.isEmpty() ? 0 : s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
