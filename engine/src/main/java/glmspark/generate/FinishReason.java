package glmspark.generate;

/** Why a sequence stopped: an eos id or stop string, max_new_tokens, or the model's context limit. */
public enum FinishReason {
    STOP, LENGTH, CONTEXT;

    /** The lower-case name used in every output ("stop", "length", "context"). */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
