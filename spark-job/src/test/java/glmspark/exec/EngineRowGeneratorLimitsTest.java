package glmspark.exec;

import glmspark.generate.Engine;
import glmspark.generate.EngineOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prompt-token and new-token limits of the real generator, on the tiny test model (context 512). */
class EngineRowGeneratorLimitsTest {

    private static Engine engine;

    @BeforeAll
    static void open() throws Exception {
        Path dir = Path.of(EngineRowGeneratorLimitsTest.class.getResource("/glm4-tiny/config.json").toURI()).getParent();
        engine = Engine.open(EngineOptions.of(dir).withBackend("cpu").withThreads(1));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private static GenTask task(String content) {
        return new GenTask("p", "d", "r1", List.of(FakeRowGenerator.user(content)), 5, List.of(0));
    }

    private static PassSettings pass(int maxNewTokens) {
        return new PassSettings("p", 1, maxNewTokens, 5, false, 1, 0, 1, 0, 1, List.of());
    }

    private static String failure(EngineRowGenerator g, GenTask t, PassSettings p) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> g.submit(t, p, r -> { }).get(60, TimeUnit.SECONDS));
        return e.getCause().getMessage();
    }

    @Test
    void aPromptOverMaxPromptTokensFailsItsRowNamingTheLimit() throws Exception {
        EngineRowGenerator g = new EngineRowGenerator(engine, false, 5);
        String msg = failure(g, task("hello there, how are you"), pass(4));
        assertTrue(msg.contains("is longer than max_prompt_tokens (5)"), msg);
        // The same prompt fits the default limit (context - 1).
        List<SampleResult> ok = new EngineRowGenerator(engine, false, 0).submit(task("hello there, how are you"), pass(4), r -> { })
                .get(60, TimeUnit.SECONDS);
        assertEquals(1, ok.size());
        assertTrue(ok.getFirst().promptTokens() > 5);
    }

    @Test
    void aPromptThatFillsTheContextFailsItsRowByDefault() {
        EngineRowGenerator g = new EngineRowGenerator(engine, false, 0);
        String msg = failure(g, task("word ".repeat(600)), pass(4));
        assertTrue(msg.contains("does not fit the context of 512"), msg);
        assertTrue(msg.contains("max_prompt_tokens 511"), msg);
    }

    @Test
    void maxNewTokensPastTheContextIsClampedToTheRoomThePromptLeaves() throws Exception {
        EngineRowGenerator g = new EngineRowGenerator(engine, false, 0);
        SampleResult r = g.submit(task("count"), pass(100_000), x -> { }).get(120, TimeUnit.SECONDS).getFirst();
        assertEquals(null, r.error());
        int generated = r.reasoningTokens() + r.answerTokens();
        assertTrue(r.promptTokens() + generated <= 512, r.promptTokens() + " + " + generated);
    }

    @Test
    void promptTooLongChecksTheContextFirstThenTheLimit() {
        assertEquals(null, EngineRowGenerator.promptTooLong(511, 0, 512));
        assertTrue(EngineRowGenerator.promptTooLong(512, 0, 512).contains("does not fit the context of 512"));
        assertTrue(EngineRowGenerator.promptTooLong(600, 1000, 512).contains("does not fit the context of 512"));
        assertEquals(null, EngineRowGenerator.promptTooLong(10, 10, 512));
        assertTrue(EngineRowGenerator.promptTooLong(11, 10, 512).contains("longer than max_prompt_tokens (10)"));
    }
}
