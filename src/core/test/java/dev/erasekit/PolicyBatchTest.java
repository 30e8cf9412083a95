package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.error.CorruptFileException;
import dev.erasekit.error.InvalidInputException;
import dev.erasekit.method.Surgical;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-request policies (docs/methods.md §5) on the wide test model: requests with different policies
 * (none, one, two stacked) batched into one UNet call per step give each request's image alone
 * (≤ 1e-4, the bound; the batch changes only the UNet's batch size); a policy is exactly its
 * edit in the embedding mode; policies survive a write and read; and one made for another base, or a
 * mixed batch, is refused.
 */
class PolicyBatchTest {
    private static GenerateRequest.Builder request(String prompt, long seed) {
        return GenerateRequest.builder(prompt).seed(seed).steps(4).sampler(Sampler.DDIM).size(64, 64);
    }

    private static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void mixedPoliciesInOneBatchEqualEachRequestAlone(@TempDir Path tmp) throws IOException {
        try (Engine engine = TestEngines.open(Fixtures.tinySdWide(), Backend.OPENBLAS, tmp.resolve("cache"))) {
            EraseRequest nudity = EraseRequest.builder().concept("nudity").target(" ").build();
            Policy a = engine.policy("nudity", nudity);
            Policy b = engine.policy("van-gogh", EraseRequest.builder().method(Surgical.DEFAULTS).concept("Van Gogh")
                    .target("dry brushing").build());
            assertEquals("uce", a.method());
            assertTrue(a.metrics().containsKey("erase_residual"), "metrics");
            List<GenerateRequest> rs = List.of(
                    request("a naked woman", 1).build(),
                    request("a naked woman", 1).policy(a).build(),
                    request("Van Gogh painting of a naked woman", 2).guidance(5).policy(a).policy(b).build(),
                    request("Van Gogh painting", 3).policy(b).build());
            List<GeneratedImage> batch = engine.generateBatch(rs, null);
            List<float[]> alone = new ArrayList<>();
            for (GenerateRequest r : rs) alone.add(engine.generate(r).rgb());
            double worst = 0;
            for (int i = 0; i < rs.size(); i++) worst = Math.max(worst, maxAbs(batch.get(i).rgb(), alone.get(i)));
            double effect = maxAbs(alone.get(0), alone.get(1));
            System.out.printf("mixed-policy batch of 4 vs alone: max |Δ| %.2e (the policy's own effect %.2e)%n", worst, effect);
            assertTrue(worst <= 1e-4, "batched vs alone: " + worst);
            assertTrue(effect > 100 * Math.max(worst, 1e-7), "the policy changes the image: " + effect);
            assertTrue(batch.get(2).parameters().contains("Policies: nudity+van-gogh"), batch.get(2).parameters());

            // a policy is its edit, applied to the embeddings
            Edit edit = engine.erase(nudity).edit();
            assertArrayEquals(edit.sharedFactor().orElseThrow(), a.transform().matrix(), "the same M");
            assertArrayEquals(engine.generate(request("a naked woman", 1).edit(edit).editMode(EditMode.EMBEDDING).build()).rgb(),
                    alone.get(1), "policy = embedding-mode edit");

            // stored and read back
            Path file = tmp.resolve("nudity.policy.safetensors");
            a.write(file);
            Policy back = Policy.read(file);
            assertEquals(a.id(), back.id());
            assertEquals(a.concepts(), back.concepts());
            assertEquals(a.metrics(), back.metrics());
            assertArrayEquals(a.transform().matrix(), back.transform().matrix());
            Files.writeString(tmp.resolve("bad.policy.safetensors"), "not a policy");
            assertThrows(CorruptFileException.class, () -> Policy.read(tmp.resolve("bad.policy.safetensors")));

            // refusals: a weights-mode edit in a batch, mixed sizes
            assertThrows(InvalidInputException.class, () -> engine.generateBatch(List.of(request("x", 1).edit(edit)
                    .editMode(EditMode.WEIGHTS).build()), null));
            assertThrows(InvalidInputException.class, () -> engine.generateBatch(List.of(request("x", 1).build(),
                    request("x", 1).size(32, 32).build()), null));
            assertThrows(InvalidInputException.class, () -> engine.policy("Not An Id", nudity));
        }
        try (Engine other = TestEngines.open(Fixtures.tinySd(), Backend.JAVA, tmp.resolve("cache2"));
             Engine wide = TestEngines.open(Fixtures.tinySdWide(), Backend.JAVA, tmp.resolve("cache"))) {
            Policy foreign = wide.policy("p", EraseRequest.builder().concept("nudity").target(" ").build());
            assertThrows(RuntimeException.class, () -> other.generate(request("x", 1).policy(foreign).build()));
        }
    }
}
