package glmspark.exec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One generator (one engine, one copy of the weights) per executor JVM, opened lazily by the first task that
 * needs it and shared by every concurrent task after that. Keyed by factory class and {@link GeneratorSpec}, so a
 * job that changes the model in the same JVM (tests) gets a new one. Weights are never broadcast: each JVM maps
 * them from a path it can read.
 *
 * <p>GPU: the engine binds the device of the first task that opens it ({@link TaskGpu}: the address Spark's
 * resource scheduler assigned that task), since one engine serves the whole JVM. With one GPU per executor every
 * task gets the same address; a task assigned another one is logged and still served by the bound device.
 */
public final class EngineHolder {

    private static final Logger LOG = LoggerFactory.getLogger(EngineHolder.class);

    private static final ConcurrentHashMap<String, RowGenerator> GENERATORS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, GeneratorSpec> OPENED = new ConcurrentHashMap<>();
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private EngineHolder() {
    }

    /** The JVM's generator for this spec, with no GPU assigned (device -1). */
    public static RowGenerator get(String factoryClass, GeneratorSpec spec) {
        return get(factoryClass, spec, -1);
    }

    /**
     * The JVM's generator for this spec; when this call opens it, the factory gets the spec with {@code device}
     * (the GPU address assigned to the calling task, -1 for none). The device is not part of the key: one engine
     * per JVM whatever GPU later tasks are assigned.
     */
    public static RowGenerator get(String factoryClass, GeneratorSpec spec, int device) {
        String key = factoryClass + "|" + spec;
        // computeIfAbsent blocks concurrent callers of the same key until the one load finishes.
        RowGenerator generator = GENERATORS.computeIfAbsent(key, k -> {
            try {
                RowGenerator.Factory f = (RowGenerator.Factory) Class.forName(factoryClass, true,
                        Thread.currentThread().getContextClassLoader()).getDeclaredConstructor().newInstance();
                GeneratorSpec bound = spec.withDevice(device);
                RowGenerator g = f.open(bound);
                OPENED.put(k, bound);
                LOADS.incrementAndGet();
                if (device >= 0) LOG.info("engine for {} opened on GPU {} (backend {})", spec.model(), device, spec.backend());
                return g;
            } catch (IOException e) {
                throw new UncheckedIOException("opening the model " + spec.model() + ": " + e.getMessage(), e);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("generator: cannot create '" + factoryClass + "' as a RowGenerator.Factory: " + e, e);
            }
        });
        GeneratorSpec bound = OPENED.get(key);
        if (bound != null && bound.device() != device && WARNED.add(key + "|" + device)) {
            LOG.warn("a task of this executor was assigned GPU {} but the executor's engine is bound to GPU {} (one engine per "
                    + "JVM, bound by the first task): give each executor one GPU (spark.executor.resource.gpu.amount=1)",
                    device < 0 ? "none" : device, bound.device() < 0 ? "none" : bound.device());
        }
        return generator;
    }

    /** The spec each open generator was opened with (its device included), by holder key; tests inspect it. */
    public static Map<String, GeneratorSpec> opened() {
        return Map.copyOf(OPENED);
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
        OPENED.clear();
        WARNED.clear();
    }
}
