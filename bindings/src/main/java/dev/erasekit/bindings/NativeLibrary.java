package dev.erasekit.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * A loaded shared library: where it came from and its symbols. Libraries are loaded once per
 * process into the global arena (like ONNX Runtime's own native library), so they are never
 * unloaded while a handle built from them may still be called.
 * Immutable; thread-safe.
 */
public record NativeLibrary(String name, String origin, SymbolLookup symbols) {

    /** A downcall handle for {@code symbol}; a missing symbol is an error naming library and symbol. */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor, Linker.Option... options) {
        var address = symbols.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                name + " (" + origin + ") has no symbol " + symbol));
        return Linker.nativeLinker().downcallHandle(address, descriptor, options);
    }

    /** Whether the library exports {@code symbol}. */
    public boolean has(String symbol) {
        return symbols.find(symbol).isPresent();
    }
}
