package dev.erasekit.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The server's Prometheus metrics (the Prometheus Java client, text exposition format 0.0.4):
 * requests by route and status, latency histograms by route, requests in flight, the image queue's
 * depth, image batch sizes, and the number of policies. Thread-safe.
 */
final class ServeMetrics {
    /** The Prometheus text format's content type. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("erasekit_http_requests_total")
            .help("HTTP requests, by route and status").labelNames("route", "status").register(registry);
    private final Histogram latency = Histogram.builder().name("erasekit_http_request_duration_seconds")
            .help("HTTP request latency, by route").labelNames("route")
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120).register(registry);
    private final Gauge inFlight = Gauge.builder().name("erasekit_http_requests_in_flight")
            .help("HTTP requests being served").register(registry);
    private final Gauge queueDepth = Gauge.builder().name("erasekit_image_queue_depth")
            .help("image requests waiting for a worker").register(registry);
    private final Histogram batchSize = Histogram.builder().name("erasekit_image_batch_size")
            .help("image requests run in one UNet call per step").classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);
    private final Gauge policies = Gauge.builder().name("erasekit_policies").help("policies stored").register(registry);

    void started() {
        inFlight.inc();
    }

    void finished(String route, int status, long nanos) {
        inFlight.dec();
        requests.labelValues(route, Integer.toString(status)).inc();
        latency.labelValues(route).observe(nanos / 1e9);
    }

    void queueDepth(int n) {
        queueDepth.set(n);
    }

    void batch(int n) {
        batchSize.observe(n);
    }

    void policies(int n) {
        policies.set(n);
    }

    /** Every metric in the text format. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
