package glmspark.exec;

import glmspark.generate.EngineOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Test-only generator that reports, as each sample's answer, the engine options the real factory would open the
 * engine with ({@link EngineRowGenerator.Factory#options}) and how many generators its JVM has opened, so a test
 * on the driver can see what an executor JVM bound: {@code device=3 backend=cpu opens=1}. Loads no model.
 */
public final class DeviceEchoGenerator implements RowGenerator {

    static final AtomicInteger OPENS = new AtomicInteger();

    private final String echo;

    private DeviceEchoGenerator(String echo) {
        this.echo = echo;
    }

    public static final class Factory implements RowGenerator.Factory {
        @Override
        public RowGenerator open(GeneratorSpec spec) {
            EngineOptions o = EngineRowGenerator.Factory.options(spec, Path.of(spec.model()));
            int opens = OPENS.incrementAndGet();
            return new DeviceEchoGenerator("device=" + o.device() + " backend=" + o.backend() + " opens=" + opens);
        }
    }

    @Override
    public CompletableFuture<List<SampleResult>> submit(GenTask task, PassSettings pass, Consumer<SampleResult> onEach) {
        List<SampleResult> out = new ArrayList<>();
        for (int s : task.samples()) {
            SampleResult r = new SampleResult(task.pass(), task.dataset(), task.id(), s, Seeds.fromRow(task.seed(), s),
                    "<|user|>", new int[]{1}, "", echo, true, "stop", 1, 0, 1, 0L, null);
            out.add(r);
            onEach.accept(r);
        }
        return CompletableFuture.completedFuture(out);
    }
}
