package dev.erasekit.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the CLI in a separate JVM (the test classpath, {@code dev.erasekit.cli.Main}), for what an
 * in-process run cannot show: the exit code of a native crash, the process's locale and command line,
 * the files a whole process leaves behind. {@code prefix} runs before java (e.g. {@code unshare …});
 * an environment entry with a null value is removed.
 */
final class CliProcess {
    record Result(int code, String out, String err, long pid) {
    }

    private CliProcess() {
    }

    static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.add("-Xmx2g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        return cmd;
    }

    static Result run(Path workDir, Map<String, String> env, List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(javaCommand());
        cmd.addAll(List.of(args));
        return exec(workDir, env, cmd);
    }

    static Result exec(Path workDir, Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        env.forEach((k, v) -> {
            if (v == null) pb.environment().remove(k);
            else pb.environment().put(k, v);
        });
        Path out = Files.createTempFile(workDir, ".out", ".txt"), err = Files.createTempFile(workDir, ".err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                p.pid());
        Files.delete(out);
        Files.delete(err);
        return r;
    }
}
