package glmspark.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A shared library opened through FFM, with downcall handles by name. CUDA's toolkit libraries (NVRTC, cuBLAS)
 * are looked for in the toolkit's lib64 folders first (CUDA_HOME, /usr/local/cuda, the newest
 * /usr/local/cuda-*), then by soname through the loader's path.
 */
final class NativeLibrary {

    static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** Opens the first of {@code sonames} found in a toolkit folder, then by soname; null if none loads. */
    static NativeLibrary open(String... sonames) {
        for (Path dir : toolkitDirs())
            for (String so : sonames) {
                Path p = dir.resolve(so);
                if (Files.isRegularFile(p)) {
                    try {
                        return new NativeLibrary(p.toString(), SymbolLookup.libraryLookup(p, Arena.global()));
                    } catch (IllegalArgumentException ignored) {
                        // not loadable (wrong architecture, missing dependency): try the next
                    }
                }
            }
        for (String so : sonames) {
            try {
                return new NativeLibrary(so, SymbolLookup.libraryLookup(so, Arena.global()));
            } catch (IllegalArgumentException ignored) {
                // not on the loader's path
            }
        }
        return null;
    }

    /** Loads a companion library (NVRTC's builtins, cuBLASLt) from the folder of {@code lib} so the loader finds it. */
    static void preloadBeside(NativeLibrary lib, String... sonames) {
        Path dir = lib.name.contains("/") ? Path.of(lib.name).getParent() : null;
        if (dir == null) return;
        for (String so : sonames) {
            Path p = dir.resolve(so);
            if (Files.isRegularFile(p)) {
                try {
                    SymbolLookup.libraryLookup(p, Arena.global());
                    return;
                } catch (IllegalArgumentException ignored) {
                    // the library's own loading will report what is missing
                }
            }
        }
    }

    static List<Path> toolkitDirs() {
        List<Path> dirs = new ArrayList<>();
        for (String env : new String[]{"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v, "lib64"));
                dirs.add(Path.of(v, "lib"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda-"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed())
                    .forEach(p -> dirs.add(p.resolve("lib64")));
        } catch (Exception ignored) {
            // no /usr/local
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        return dirs;
    }

    String name() {
        return name;
    }

    MethodHandle fn(String symbol, FunctionDescriptor d) {
        MemorySegment s = lookup.find(symbol).orElseThrow(
                () -> new CudaException(name + " has no symbol " + symbol + " (too old a version?)"));
        return LINKER.downcallHandle(s, d);
    }

    boolean has(String symbol) {
        return lookup.find(symbol).isPresent();
    }
}
