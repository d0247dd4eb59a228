package glmspark.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a report says about the run itself. Times are epoch milliseconds, 0 when unknown.
 *
 * @param runId    the run's id (names the output folder)
 * @param model    model name or path; its last path segment is looked up in the published scores
 * @param backend  inference backend, e.g. "java-cpu" or "vllm"
 * @param settings sampling and run settings to show, in the order given (temperature, top_p, max_new_tokens, k, ...)
 * @param totals   extra totals the job knows (executors, prompt tokens, ...), shown after the ones the report computes
 */
public record RunInfo(String runId, String model, String backend, Map<String, String> settings,
                      long startedAtMillis, long endedAtMillis, Map<String, String> totals) {

    public RunInfo {
        if (runId == null || runId.isBlank()) throw new IllegalArgumentException("RunInfo: runId is required");
        if (model == null || model.isBlank()) throw new IllegalArgumentException("RunInfo " + runId + ": model is required");
        if (backend == null) backend = "";
        if (startedAtMillis > 0 && endedAtMillis > 0 && endedAtMillis < startedAtMillis) {
            throw new IllegalArgumentException("RunInfo " + runId + ": ended (" + endedAtMillis + ") before started (" + startedAtMillis + ")");
        }
        settings = ordered(settings);
        totals = ordered(totals);
    }

    public RunInfo(String runId, String model, String backend, Map<String, String> settings, long startedAtMillis, long endedAtMillis) {
        this(runId, model, backend, settings, startedAtMillis, endedAtMillis, Map.of());
    }

    /** Copies keep the caller's order (Map.copyOf would not); null values show as empty. */
    private static Map<String, String> ordered(Map<String, String> m) {
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        if (m != null) for (Map.Entry<String, String> e : m.entrySet()) copy.put(String.valueOf(e.getKey()), e.getValue() == null ? "" : e.getValue());
        return Collections.unmodifiableMap(copy);
    }

    /** The name to look up in the published table: "THUDM/GLM-Z1-9B-0414" and "/models/GLM-Z1-9B-0414/" give "GLM-Z1-9B-0414". */
    public String modelName() {
        String m = model.strip();
        while (m.endsWith("/")) m = m.substring(0, m.length() - 1);
        int slash = m.lastIndexOf('/');
        return slash >= 0 ? m.substring(slash + 1) : m;
    }
}
