package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.erasekit.Fixtures;
import dev.erasekit.io.SafeTensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command-line text arrives intact under the C/POSIX locale (the default in many containers), where
 * the JVM decodes argv as ASCII. The arguments are written as UTF-8 bytes into a shell script, so
 * that no Java process decodes them before erasekit does.
 */
class LocaleTest {
    @TempDir
    Path tmp;

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void utf8ArgumentsSurviveTheCLocale() throws Exception {
        Path out = tmp.resolve("e.safetensors");
        String concept = "Zdzisław Beksiński";
        List<String> cmd = new java.util.ArrayList<>(CliProcess.javaCommand());
        cmd.addAll(List.of("erase", Fixtures.tinySd().toString(), "--concept", concept, "--cache-dir", tmp.resolve("cache").toString(),
                "-o", out.toString()));
        Path script = tmp.resolve("run.sh");
        Files.write(script, ("exec " + cmd.stream().map(LocaleTest::quote).collect(Collectors.joining(" ")) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        Map<String, String> env = new HashMap<>();
        env.put("LANG", "C");
        env.put("LC_ALL", null);
        env.put("LC_CTYPE", null);
        CliProcess.Result r = CliProcess.exec(tmp, env, List.of("sh", script.toString()));
        assertEquals(0, r.code(), r.err());
        List<?> concepts = new ObjectMapper().readValue(SafeTensors.read(out).metadata().get("concepts"), List.class);
        assertEquals(List.of(concept), concepts);
    }
}
