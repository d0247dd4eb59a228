package glmspark.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One generator (one engine, one copy of the weights) per executor JVM, opened lazily by the first task that
 * needs it and shared by every concurrent task after that. Keyed by factory class and {@link GeneratorSpec}, so a
 * job that changes the model in the same JVM (tests) gets a new one. Weights are never broadcast: each JVM maps
 * them from a path it can read.
 */
public final class EngineHolder {

    private static final ConcurrentHashMap<String, RowGenerator> GENERATORS = new ConcurrentHashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private EngineHolder() {
    }

    public static RowGenerator get(String factoryClass, GeneratorSpec spec) {
        String key = factoryClass + "|" + spec;
        // computeIfAbsent blocks concurrent callers of the same key until the one load finishes.
        return GENERATORS.computeIfAbsent(key, k -> {
            try {
                RowGenerator.Factory f = (RowGenerator.Factory) Class.forName(factoryClass, true,
                        Thread.currentThread().getContextClassLoader()).getDeclaredConstructor().newInstance();
                RowGenerator g = f.open(spec);
                LOADS.incrementAndGet();
                return g;
            } catch (IOException e) {
                throw new UncheckedIOException("opening the model " + spec.model() + ": " + e.getMessage(), e);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("generator: cannot create '" + factoryClass + "' as a RowGenerator.Factory: " + e, e);
            }
        });
    }

    /** How many generators this JVM has opened (tests check it stays 1 per model). */
    public static int loads() {
        return LOADS.get();
    }

    /** Closes and forgets every generator (tests; a JVM's engines otherwise live as long as the executor). */
    public static synchronized void clear() {
        for (RowGenerator g : GENERATORS.values()) {
            if (g instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing is best effort
                }
            }
        }
        GENERATORS.clear();
    }
}
