package dev.erasekit.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.erasekit.Fixtures;
import dev.erasekit.cli.CliAccess;
import dev.erasekit.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many concepts in one edit: 1,000 artists from the UCE set as one solve, and per-concept anchors from a CSV. */
class MultiConceptTest {
    @Test
    void thousandArtistsInOneSolve(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("artists.safetensors");
        var r = CliAccess.run("erase", Fixtures.tinySdWide().toString(), "--concepts-file",
                Fixtures.path("prompts/artists1734_prompts.csv").toString(), "--column", "artist", "--max-concepts", "1000",
                "--guide", "art", "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1000 concepts (\"A.J.Casson\""), r.out());
        var concepts = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                SafeTensors.read(out).metadata().get("concepts"), List.class);
        assertEquals(1000, concepts.size());
    }

    @Test
    void perConceptAnchorsFromCsvForEveryMethod(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("concepts.csv");
        Files.writeString(csv, "concept,anchor\nVan Gogh,dry brushing\n\"a pig, pink\",a cow\n");
        for (String method : List.of("uce", "rece", "surgical")) {
            Path out = tmp.resolve(method + ".safetensors");
            var r = CliAccess.run("erase", Fixtures.tinySdWide().toString(), "--method", method, "--concepts-file", csv.toString(),
                    "--cache-dir", tmp.resolve("cache").toString(), "-o", out.toString());
            assertEquals(0, r.code(), method + ": " + r.err());
            assertTrue(r.out().contains("\"Van Gogh\", \"a pig, pink\" → \"dry brushing\", \"a cow\""), r.out());
        }
    }
}
