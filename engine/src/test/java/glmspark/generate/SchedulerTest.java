package glmspark.generate;

import glmspark.Fixtures;
import glmspark.sampling.SamplingParams;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sequence's tokens do not depend on its batch, thread count, submission order or KV pressure. */
class SchedulerTest {

    static final Path MODEL = Fixtures.path("glm4-tiny-bf16");
    static final SamplingParams SAMPLED = new SamplingParams(true, 0.9, 50, 0.95, 0.0, 1.1);

    static int[] prompt(int i) {
        Random r = new Random(i);
        int[] p = new int[3 + r.nextInt(20)];
        for (int k = 0; k < p.length; k++) p[k] = 20 + r.nextInt(1800);
        return p;
    }

    static GenerationRequest request(int i, SamplingParams s, int n) {
        return new GenerationRequest("r" + i, prompt(i), s, 1000 + i, n, 24, List.of());
    }

    static int lastPreemptions;

    static List<List<Completion>> run(EngineOptions o, List<GenerationRequest> reqs) throws Exception {
        try (Engine e = Engine.open(o)) {
            try {
                return collect(e, reqs);
            } finally {
                lastPreemptions = e.preemptions();
            }
        }
    }

    static List<List<Completion>> collect(Engine e, List<GenerationRequest> reqs) throws Exception {
        {
            List<CompletableFuture<List<Completion>>> fs = new ArrayList<>();
            for (GenerationRequest r : reqs) fs.add(e.submit(r, null));
            List<List<Completion>> out = new ArrayList<>();
            for (var f : fs) out.add(f.get());
            return out;
        }
    }

    @Test
    void tokensDoNotDependOnBatchThreadsOrOrder() throws Exception {
        for (SamplingParams s : List.of(SamplingParams.greedy(), SAMPLED)) {
            GenerationRequest target = request(0, s, 1);
            int[] alone = run(EngineOptions.of(MODEL).withThreads(1), List.of(target)).get(0).get(0).outputIds();
            List<GenerationRequest> many = new ArrayList<>();
            for (int i = 0; i < 16; i++) many.add(request(i, s, 1));
            List<List<Completion>> batched = run(EngineOptions.of(MODEL).withThreads(2), many);
            assertArrayEquals(alone, batched.get(0).get(0).outputIds(), "batch of 16, 2 threads, " + s);
            Collections.reverse(many);
            List<List<Completion>> reversed = run(EngineOptions.of(MODEL).withThreads(2).withBatch(7, 5), many);
            for (int i = 0; i < 16; i++)
                assertArrayEquals(batched.get(i).get(0).outputIds(), reversed.get(15 - i).get(0).outputIds(), "reversed order, small budget, request " + i);
        }
    }

    @Test
    void samplesOfOneRequestEqualSeparateRequestsAndDiffer() throws Exception {
        List<Completion> shared = run(EngineOptions.of(MODEL), List.of(request(3, SAMPLED, 4))).get(0);
        assertEquals(4, shared.size());
        for (int i = 0; i < 4; i++) assertEquals(i, shared.get(i).sampleIndex());
        assertFalse(java.util.Arrays.equals(shared.get(0).outputIds(), shared.get(1).outputIds()), "different sample streams");
        // the same request again, under KV pressure that forces preemption and recomputation
        long tight = glmspark.model.KvCache.bytesPerBlock(3, 32, Engine.KV_BLOCK) * 9;
        List<GenerationRequest> crowd = new ArrayList<>();
        crowd.add(request(3, SAMPLED, 4));
        for (int i = 10; i < 14; i++) crowd.add(request(i, SAMPLED, 2));
        List<List<Completion>> pressured = run(EngineOptions.of(MODEL).withKvBudget(tight), crowd);
        assertTrue(lastPreemptions > 0, "the budget should force preemption");
        for (int i = 0; i < 4; i++) assertArrayEquals(shared.get(i).outputIds(), pressured.get(0).get(i).outputIds(), "sample " + i);
    }

    @Test
    void stopRulesEndSequencesWithTheRightReason() throws Exception {
        try (Engine e = Engine.open(EngineOptions.of(MODEL))) {
            GenerationRequest base = request(5, SamplingParams.greedy(), 1);
            Completion full = e.submit(base, null).get().get(0);
            assertEquals(FinishReason.LENGTH, full.finishReason());
            assertEquals(24, full.outputIds().length);
            // a stop string taken from the middle of the greedy text ends it there, cut from the text
            String stop = full.text().substring(full.text().length() / 2, full.text().length() / 2 + 3);
            Completion stopped = e.submit(new GenerationRequest("s", base.promptIds(), base.sampling(), 0, 1, 24, List.of(stop)), null).get().get(0);
            assertEquals(FinishReason.STOP, stopped.finishReason());
            assertEquals(full.text().substring(0, full.text().indexOf(stop)), stopped.text());
            // the context limit (max_position_embeddings 512)
            int[] longPrompt = new int[505];
            java.util.Arrays.fill(longPrompt, 30);
            Completion ctx = e.submit(new GenerationRequest("c", longPrompt, base.sampling(), 0, 1, 100, List.of()), null).get().get(0);
            assertEquals(FinishReason.CONTEXT, ctx.finishReason());
            assertEquals(512 - 505, ctx.outputIds().length);
            Completion tooLong = e.submit(new GenerationRequest("t", new int[600], base.sampling(), 0, 1, 10, List.of()), null).get().get(0);
            assertEquals(FinishReason.CONTEXT, tooLong.finishReason());
        }
    }

    @Test
    void cancelledRequestsStopGenerating() throws Exception {
        try (Engine e = Engine.open(EngineOptions.of(MODEL))) {
            int[] p = prompt(1);
            CompletableFuture<List<Completion>> longOne = e.submit(new GenerationRequest("long", p, SAMPLED, 1, 4, 480, List.of()), null);
            longOne.cancel(true);
            // two 24-token requests run one after the other: an uncancelled 4-sample request would add 4 tokens per step
            for (int i = 2; i < 4; i++) assertEquals(24, e.submit(request(i, SamplingParams.greedy(), 1), null).get().get(0).outputIds().length);
            assertTrue(e.generatedTokens() < 48 + 40, "the cancelled request kept generating: " + e.generatedTokens());
        }
    }

    @Test
    void callbacksReportEachSampleAndConcurrentSubmittersAreServed() throws Exception {
        ConcurrentLinkedQueue<Completion> seen = new ConcurrentLinkedQueue<>();
        try (Engine e = Engine.open(EngineOptions.of(MODEL))) {
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<List<Completion>>> fs = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 4; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> fs.add(e.submit(request(id, SAMPLED, 2), seen::add))));
            }
            for (Thread t : threads) t.join();
            for (var f : fs) assertEquals(2, f.get().size());
        }
        assertEquals(8, seen.size());
        assertTrue(seen.stream().allMatch(c -> c.outputIds().length > 0));
    }
}
