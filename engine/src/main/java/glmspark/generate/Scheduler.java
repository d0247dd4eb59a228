package glmspark.generate;

import glmspark.model.Batch;
import glmspark.model.Glm4Model;
import glmspark.model.KvCache;
import glmspark.sampling.RandomStream;
import glmspark.sampling.Sampler;
import glmspark.sampling.SamplingParams;
import glmspark.tokenizer.StreamDecoder;
import glmspark.tokenizer.Tokenizer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;

/**
 * Continuous batching. One thread runs steps; each step feeds the model one batch made of every decoding
 * sample (one token each) plus chunks of waiting prompts, up to a token budget, and reads the weights once
 * for all of them. A request's prompt is prefilled once; its n samples then fork the prompt's KV blocks.
 * Samples finish on eos ids, stop strings, max_new_tokens or the context limit, and leave the batch at once,
 * so new prompts take their place.
 *
 * <p>Memory: KV blocks come from a fixed budget. A prompt is admitted when its blocks (and a block per
 * sample) are free; if decoding later runs out of blocks, the most recently admitted request is preempted:
 * its blocks are released and it starts again from scratch later. Because every sample's tokens depend only
 * on its own logits and its (seed, sample index, step) random stream, the restarted request produces the
 * same tokens.
 */
public final class Scheduler implements AutoCloseable {

    private final Glm4Model model;
    private final KvCache cache;
    private final Tokenizer tokenizer;
    private final int[] eosIds;
    private final int maxBatchTokens;
    private final int maxSequences;
    private final int contextLength;
    private final int vocab;
    private final Sampler sampler;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final Deque<Job> waiting = new ArrayDeque<>();
    private final List<Job> admitted = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    private final Batch batch = new Batch();
    private float[] logits = new float[0];
    private int[] greedyIds = new int[0];
    private final float[] rowLogits;
    private volatile long generatedTokens;
    private volatile int preemptions;

    public Scheduler(Glm4Model model, KvCache cache, Tokenizer tokenizer, int[] eosIds, int maxBatchTokens,
                     int maxSequences) {
        this.model = model;
        this.cache = cache;
        this.tokenizer = tokenizer;
        this.eosIds = eosIds.clone();
        this.maxBatchTokens = Math.max(1, maxBatchTokens);
        this.maxSequences = Math.max(1, maxSequences);
        this.contextLength = model.config().maxPositionEmbeddings();
        this.vocab = model.config().vocabSize();
        this.sampler = new Sampler(vocab);
        this.rowLogits = new float[vocab];
        this.thread = Thread.ofPlatform().daemon().name("glm-scheduler").start(this::loop);
    }

    /** Tokens generated since start (all samples). */
    public long generatedTokens() {
        return generatedTokens;
    }

    /** Requests restarted because the KV cache ran out of blocks. */
    public int preemptions() {
        return preemptions;
    }

    public CompletableFuture<List<Completion>> submit(GenerationRequest request, Consumer<Completion> onEach) {
        Job job = new Job(request, onEach);
        if (closed) {
            job.future.completeExceptionally(new IllegalStateException("engine is closed"));
            return job.future;
        }
        lock.lock();
        try {
            waiting.addLast(job);
            work.signal();
        } finally {
            lock.unlock();
        }
        return job.future;
    }

    private void loop() {
        while (!closed) {
            lock.lock();
            try {
                while (!closed && waiting.isEmpty() && admitted.isEmpty()) work.awaitUninterruptibly();
            } finally {
                lock.unlock();
            }
            if (closed) break;
            try {
                step();
            } catch (Throwable t) {
                failAll(t);
            }
        }
        failAll(new IllegalStateException("engine closed"));
    }

    private void step() {
        dropCancelled();
        admit();
        batch.clear();
        List<Sample> decoding = new ArrayList<>();
        List<Job> finishingPrefill = new ArrayList<>();
        int budget = maxBatchTokens;
        // 1. every decoding sample gets its next token, oldest requests first
        outer:
        for (int ji = 0; ji < admitted.size(); ji++) {
            Job job = admitted.get(ji);
            if (job.samples == null) continue;
            for (Sample s : job.samples) {
                if (s == null || s.done) continue;
                if (decoding.size() >= maxSequences || budget == 0) break outer;
                if (!cache.reserve(s.seq, s.seq.length() + 1)) {
                    preemptNewest(job);
                    return;
                }
                batch.add(s.seq, s.pending, 0, 1, true);
                decoding.add(s);
                budget--;
            }
        }
        // 2. prompt chunks fill the rest of the budget
        for (Job job : admitted) {
            if (budget == 0) break;
            if (job.samples != null) continue;
            int[] ids = job.request.promptIds();
            int chunk = Math.min(budget, ids.length - job.prefilled);
            if (!cache.reserve(job.promptSeq, job.prefilled + chunk)) {
                if (decoding.isEmpty() && finishingPrefill.isEmpty() && batch.size() == 0) {
                    preemptNewest(null);
                    return;
                }
                break;
            }
            boolean last = job.prefilled + chunk == ids.length;
            batch.add(job.promptSeq, ids, job.prefilled, chunk, last);
            job.prefilled += chunk;
            budget -= chunk;
            if (last) finishingPrefill.add(job);
        }
        if (batch.size() == 0) return;
        int rows = batch.logitRows();
        boolean greedy = true;
        for (Sample s : decoding) greedy &= plainArgmax(s.job.request);
        for (Job job : finishingPrefill) greedy &= plainArgmax(job.request);
        if (greedy) {
            // only the chosen ids leave the model (on a device backend, the logits stay there)
            if (greedyIds.length < rows) greedyIds = new int[rows];
            model.forwardGreedy(batch, cache, greedyIds);
            int r = 0;
            for (Sample s : decoding) accept(s, greedyIds[r++]);
            for (Job job : finishingPrefill) {
                int id = greedyIds[r++];
                startSamples(job, i -> id, -1);
            }
        } else {
            if (logits.length < rows * vocab) logits = new float[rows * vocab];
            boolean planned = planDraws(decoding, finishingPrefill);
            if (!planned) model.forward(batch, cache, logits, null);
            boolean drawn = planned && model.forwardSampled(batch, cache, draws, drawRows, drawParams, drawUniforms, drawIds, logits);
            // logit rows are in batch order: decoding samples first, then finished prompts (their samples in order)
            int r = 0, d = 0;
            for (Sample s : decoding) {
                int id = drawn ? drawIds[d++] : -1;
                accept(s, id >= 0 ? id : sample(s, r));
                r++;
            }
            for (Job job : finishingPrefill) {
                int row = r++, first = d;
                if (drawn) d += job.request.n();
                startSamples(job, i -> drawn && drawIds[first + i] >= 0 ? drawIds[first + i] : -1, row);
            }
        }
        admitted.removeIf(j -> j.remaining == 0);
    }

    // the draws of a sampling step, for a backend that samples itself (only ids then leave a device)
    private int draws;
    private int[] drawRows = new int[16], drawIds = new int[16];
    private double[] drawUniforms = new double[16];
    private SamplingParams[] drawParams = new SamplingParams[16];

    /**
     * One draw per decoding sample and n per finished prompt, with each one's uniform from its random stream.
     * False when a request has a repetition penalty: its history stays on the host, so the step's logits come
     * back and the CPU sampler draws (the planned draws are then unused).
     */
    private boolean planDraws(List<Sample> decoding, List<Job> finishingPrefill) {
        draws = 0;
        int r = 0;
        for (Sample s : decoding) {
            GenerationRequest q = s.job.request;
            if (q.sampling().repetitionPenalty() != 1.0) return false;
            addDraw(r++, q, s.index, s.outputCount);
        }
        for (Job job : finishingPrefill) {
            GenerationRequest q = job.request;
            if (q.sampling().repetitionPenalty() != 1.0) return false;
            for (int i = 0; i < q.n(); i++) addDraw(r, q, i, 0);
            r++;
        }
        return true;
    }

    private void addDraw(int row, GenerationRequest q, int sampleIndex, int step) {
        if (draws == drawRows.length) {
            int n = 2 * draws;
            drawRows = Arrays.copyOf(drawRows, n);
            drawIds = Arrays.copyOf(drawIds, n);
            drawUniforms = Arrays.copyOf(drawUniforms, n);
            drawParams = Arrays.copyOf(drawParams, n);
        }
        drawRows[draws] = row;
        drawParams[draws] = q.sampling();
        drawUniforms[draws] = RandomStream.uniform(q.seed(), sampleIndex, step);
        draws++;
    }

    /** A caller that cancelled its future (a killed Spark task, say) no longer wants the work: free its blocks. */
    private void dropCancelled() {
        for (java.util.Iterator<Job> it = admitted.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (!j.future.isCancelled()) continue;
            if (j.promptSeq != null) cache.release(j.promptSeq);
            if (j.samples != null) for (Sample s : j.samples) if (s != null && !s.done) cache.release(s.seq);
            it.remove();
        }
        lock.lock();
        try {
            waiting.removeIf(j -> j.future.isCancelled());
        } finally {
            lock.unlock();
        }
    }

    /** Moves waiting requests in while their prompt blocks (and one block per sample) are free. */
    private void admit() {
        lock.lock();
        try {
            while (!waiting.isEmpty()) {
                Job job = waiting.peekFirst();
                int promptLen = job.request.promptIds().length;
                if (promptLen >= contextLength || job.request.maxNewTokens() == 0) {
                    waiting.pollFirst();
                    finishWithoutTokens(job, promptLen >= contextLength ? FinishReason.CONTEXT : FinishReason.LENGTH);
                    continue;
                }
                int need = cache.blocksFor(promptLen) + job.request.n();
                if (need > cache.maxBlocks()) {
                    waiting.pollFirst();
                    job.future.completeExceptionally(new IllegalArgumentException("request " + job.request.id()
                            + ": prompt of " + promptLen + " tokens with n=" + job.request.n() + " needs more KV cache than its budget ("
                            + cache.maxBlocks() + " blocks of " + cache.blockSize() + " positions)"));
                    continue;
                }
                if (need > cache.freeBlocks() - reservedForDecoding()) break;
                waiting.pollFirst();
                job.promptSeq = cache.newSequence();
                admitted.add(job);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocks kept free so that samples already decoding can grow by a block each. */
    private int reservedForDecoding() {
        int n = 0;
        for (Job j : admitted) n += j.samples == null ? j.request.n() : j.remaining;
        return n;
    }

    /** Greedy without a repetition penalty: the next token is the logits' argmax, nothing else is needed. */
    private static boolean plainArgmax(GenerationRequest r) {
        return r.sampling().isGreedy() && r.sampling().repetitionPenalty() == 1.0;
    }

    /** Sample i's first token is {@code chosen(i)}, or where that is -1, a draw from logit row {@code row}. */
    private void startSamples(Job job, IntUnaryOperator chosen, int row) {
        GenerationRequest r = job.request;
        job.samples = new Sample[r.n()];
        for (int i = 0; i < r.n(); i++) {
            KvCache.Sequence seq = i == r.n() - 1 ? job.promptSeq : cache.fork(job.promptSeq);
            job.samples[i] = new Sample(job, i, seq, r.promptIds());
        }
        job.promptSeq = null;
        for (Sample s : job.samples) {
            if (s.done) continue;
            int id = chosen.applyAsInt(s.index);
            accept(s, id >= 0 ? id : sample(s, row));
        }
    }

    /** Samples the next token of {@code s} from logits row {@code row}. */
    private int sample(Sample s, int row) {
        GenerationRequest r = s.job.request;
        System.arraycopy(logits, row * vocab, rowLogits, 0, vocab);
        return sampler.sample(rowLogits, s.history, s.historyLength, r.sampling(), r.seed(), s.index, s.outputCount);
    }

    /** Appends {@code tok} to {@code s} and applies the stop rules. */
    private void accept(Sample s, int tok) {
        GenerationRequest r = s.job.request;
        if (isEos(tok)) {
            finish(s, FinishReason.STOP);
            return;
        }
        s.append(tok);
        generatedTokens++;
        String piece = s.decoder.push(tok);
        if (!piece.isEmpty()) {
            int from = Math.max(0, s.text.length() - s.job.maxStopLength);
            s.text.append(piece);
            for (String stop : r.stopStrings()) {
                int at = s.text.indexOf(stop, from);
                if (at >= 0) {
                    s.text.setLength(at);
                    finish(s, FinishReason.STOP);
                    return;
                }
            }
        }
        if (s.outputCount >= r.maxNewTokens()) finish(s, FinishReason.LENGTH);
        else if (r.promptIds().length + s.outputCount >= contextLength) finish(s, FinishReason.CONTEXT);
        else s.pending[0] = tok;
    }

    private boolean isEos(int tok) {
        for (int e : eosIds) if (e == tok) return true;
        return false;
    }

    private void finish(Sample s, FinishReason reason) {
        s.done = true;
        cache.release(s.seq);
        s.text.append(s.decoder.flush());
        Job job = s.job;
        Completion c = new Completion(job.request.id(), s.index, Arrays.copyOfRange(s.history, job.request.promptIds().length, s.historyLength),
                s.text.toString(), reason, job.request.promptIds().length, System.nanoTime() - job.submitted);
        job.complete(s.index, c);
    }

    private void finishWithoutTokens(Job job, FinishReason reason) {
        for (int i = 0; i < job.request.n(); i++)
            job.complete(i, new Completion(job.request.id(), i, new int[0], "", reason, job.request.promptIds().length,
                    System.nanoTime() - job.submitted));
    }

    /** Releases everything of the most recently admitted request (not {@code keep} unless it is alone) and requeues it. */
    private void preemptNewest(Job keep) {
        Job victim = admitted.get(admitted.size() - 1);
        if (victim == keep && admitted.size() == 1 && victim.samples != null) {
            throw new IllegalStateException("request " + victim.request.id() + " does not fit the KV cache budget ("
                    + cache.maxBlocks() + " blocks); raise the budget or lower n / max_new_tokens");
        }
        admitted.remove(victim);
        preemptions++;
        if (victim.promptSeq != null) cache.release(victim.promptSeq);
        if (victim.samples != null) for (Sample s : victim.samples) if (!s.done) cache.release(s.seq);
        victim.reset();
        lock.lock();
        try {
            waiting.addFirst(victim);
        } finally {
            lock.unlock();
        }
    }

    private void failAll(Throwable t) {
        List<Job> all = new ArrayList<>(admitted);
        lock.lock();
        try {
            all.addAll(waiting);
            waiting.clear();
        } finally {
            lock.unlock();
        }
        admitted.clear();
        for (Job j : all) {
            if (j.promptSeq != null) cache.release(j.promptSeq);
            if (j.samples != null) for (Sample s : j.samples) if (s != null && !s.done) cache.release(s.seq);
            j.future.completeExceptionally(t);
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A request in flight. Completions may already be reported when it is preempted; they are not redone. */
    private final class Job {
        final GenerationRequest request;
        final Consumer<Completion> onEach;
        final CompletableFuture<List<Completion>> future = new CompletableFuture<>();
        final Completion[] completions;
        final long submitted = System.nanoTime();
        final int maxStopLength;
        int remaining;
        KvCache.Sequence promptSeq;
        int prefilled;
        Sample[] samples;

        Job(GenerationRequest request, Consumer<Completion> onEach) {
            this.request = request;
            this.onEach = onEach;
            this.completions = new Completion[request.n()];
            this.remaining = request.n();
            this.maxStopLength = request.stopStrings().stream().mapToInt(String::length).max().orElse(0) + 8;
        }

        void reset() {
            promptSeq = null;
            prefilled = 0;
            samples = null;
            remaining = 0;
            for (Completion c : completions) if (c == null) remaining++;
        }

        void complete(int index, Completion c) {
            if (completions[index] != null) return;
            completions[index] = c;
            remaining--;
            if (onEach != null) {
                try {
                    onEach.accept(c);
                } catch (RuntimeException e) {
                    // a failing callback must not stop the scheduler; the future still completes
                }
            }
            if (remaining == 0) future.complete(List.of(completions));
        }
    }

    /** One of a request's n continuations. */
    private final class Sample {
        final Job job;
        final int index;
        final KvCache.Sequence seq;
        final StreamDecoder decoder = tokenizer.streamDecoder();
        final StringBuilder text = new StringBuilder();
        final int[] pending = new int[1];
        int[] history;
        int historyLength;
        int outputCount;
        boolean done;

        Sample(Job job, int index, KvCache.Sequence seq, int[] prompt) {
            this.job = job;
            this.index = index;
            this.seq = seq;
            this.history = Arrays.copyOf(prompt, prompt.length + 64);
            this.historyLength = prompt.length;
            this.done = job.completions[index] != null;
            if (done) cache.release(seq);
        }

        void append(int tok) {
            if (historyLength == history.length) history = Arrays.copyOf(history, history.length * 2);
            history[historyLength++] = tok;
            outputCount++;
        }
    }
}
