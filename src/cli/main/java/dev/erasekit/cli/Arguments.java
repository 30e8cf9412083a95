package dev.erasekit.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Command-line text intact whatever the locale. The JVM decodes argv with the locale's charset
 * ({@code sun.jnu.encoding}): under the C/POSIX locale, the default in many containers, that is
 * ASCII and "Zdzisław" arrives as "Zdzis��aw". The launcher script runs Java under a UTF-8 locale;
 * when Java is started some other way, this recovers the arguments' bytes from
 * {@code /proc/self/cmdline} (Linux) and decodes them as UTF-8 — but only when those bytes, decoded
 * the JVM's way, give exactly the arguments it passed (so an @argfile or any other rewriting of the
 * command line leaves the arguments as they are).
 */
final class Arguments {
    private Arguments() {
    }

    static String[] utf8(String[] args) {
        Charset jnu;
        try {
            jnu = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return args;
        }
        if (jnu.equals(StandardCharsets.UTF_8) || args.length == 0) return args;
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            List<byte[]> all = split(raw);
            if (all.size() < args.length) return args;
            List<byte[]> tail = all.subList(all.size() - args.length, all.size());
            String[] out = new String[args.length];
            for (int i = 0; i < args.length; i++) {
                if (!new String(tail.get(i), jnu).equals(args[i])) return args;
                out[i] = new String(tail.get(i), StandardCharsets.UTF_8);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return args;
        }
    }

    private static List<byte[]> split(byte[] raw) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                out.add(Arrays.copyOfRange(raw, start, i));
                start = i + 1;
            }
        }
        if (start < raw.length) out.add(Arrays.copyOfRange(raw, start, raw.length));
        return out;
    }
}
