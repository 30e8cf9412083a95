package dev.erasekit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SessionRetention#RELEASE} (each session closed after its stage) gives the bytes
 * {@link SessionRetention#KEEP} gives, call after call (the sessions reopen), for erases and for
 * generations with and without an edit. No cache, so the released text encoder must really reopen.
 */
class SessionRetentionTest {
    private static GenerateRequest request(Edit edit, long seed) {
        GenerateRequest.Builder b = GenerateRequest.builder("nudity").seed(seed).steps(3).sampler(Sampler.DDIM).size(64, 64);
        return (edit == null ? b : b.edit(edit)).build();
    }

    @Test
    void releasingSessionsChangesNothingButMemory(@TempDir Path tmp) {
        EraseRequest erase = EraseRequest.builder().concept("nudity").target(" ").build();
        EngineOptions.Builder o = EngineOptions.builder().backend(Backend.JAVA).noCache();
        try (Engine keep = Engine.open(Fixtures.tinySd(), o.retention(SessionRetention.KEEP).build());
             Engine release = Engine.open(Fixtures.tinySd(), o.retention(SessionRetention.RELEASE).build())) {
            Edit kept = keep.erase(erase).edit(), released = release.erase(erase).edit();
            for (int i = 0; i < kept.overrides().layers().size(); i++) {
                assertArrayEquals(kept.overrides().layers().get(i).w().data(), released.overrides().layers().get(i).w().data());
            }
            for (long seed = 0; seed < 2; seed++) { // twice: every released session reopens
                assertArrayEquals(keep.generate(request(null, seed)).rgb(), release.generate(request(null, seed)).rgb(), "base");
                assertArrayEquals(keep.generate(request(kept, seed)).rgb(), release.generate(request(kept, seed)).rgb(), "edited");
            }
            assertArrayEquals(kept.overrides().layers().getFirst().w().data(),
                    release.erase(erase).edit().overrides().layers().getFirst().w().data(), "an erase after a release");
        }
    }
}
