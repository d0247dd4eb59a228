package glmspark.report;

/**
 * One finished sample for the throughput chart: when it finished (epoch milliseconds) and how many tokens it
 * generated. Its tokens are credited to the moment it finished, so the chart is exact only over buckets much longer
 * than one generation.
 */
public record Completed(long finishedAtMillis, int tokens) {

    public Completed {
        if (tokens < 0) throw new IllegalArgumentException("Completed at " + finishedAtMillis + ": tokens < 0 (" + tokens + ")");
    }
}
