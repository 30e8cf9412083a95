package dev.erasekit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = ErasekitCommand.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpAndVersion() {
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Usage: erasekit"), help.out());
        assertTrue(help.out().contains("backends"), help.out());
        Run version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("erasekit "), version.out());
    }

    @Test
    void backendsListsAllThree() {
        Run r = run("backends");
        assertEquals(0, r.code(), r.err());
        for (String b : new String[] {"cuda ", "openblas ", "java ", "auto  ->"}) assertTrue(r.out().contains(b), r.out());
    }

    @Test
    void unknownOptionIsAUsageError() {
        Run r = run("--no-such-option");
        assertEquals(2, r.code());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void demoSolvesOnEveryBackendAndAgreesWithTheReference() {
        Run r = run("solver-demo");
        assertEquals(0, r.code(), r.err());
        for (String b : new String[] {"java ", "openblas ", "cuda "}) assertTrue(r.out().contains("  " + b), r.out());
        assertTrue(r.out().contains("(reference)"), r.out());
        // every non-reference row reports errors like "3.1e-14, 2.0e-07": both must be within the bounds
        r.out().lines().filter(l -> l.matches("  (openblas|cuda) .*")).forEach(l -> {
            String[] errs = l.substring(l.lastIndexOf("   ") + 3).split(", ");
            assertTrue(Double.parseDouble(errs[0]) <= 1e-10 && Double.parseDouble(errs[1]) <= 1e-5, l);
        });
    }
}
