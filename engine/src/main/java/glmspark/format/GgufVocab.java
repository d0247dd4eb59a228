package glmspark.format;

import java.util.List;

/**
 * The tokenizer and chat template a GGUF file carries in its {@code tokenizer.*} metadata.
 *
 * @param tokens       tokenizer.ggml.tokens, by id
 * @param merges       tokenizer.ggml.merges ("a b"), by rank
 * @param tokenTypes   tokenizer.ggml.token_type (1 normal, 3 control, 4 user-defined, ...); null when absent
 * @param pre          tokenizer.ggml.pre (glm4, chatglm-bpe, ...)
 * @param preRegex     the pre-tokenizer regex that {@code pre} stands for
 * @param bosId        tokenizer.ggml.bos_token_id or -1
 * @param eosId        tokenizer.ggml.eos_token_id or -1
 * @param chatTemplate tokenizer.chat_template or null
 */
public record GgufVocab(List<String> tokens, List<String> merges, int[] tokenTypes, String pre, String preRegex,
                        int bosId, int eosId, String chatTemplate) {

    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;

    /** GLM-4's pre-tokenizer (tokenizer.json Split regex; llama.cpp's LLAMA_VOCAB_PRE_TYPE_CHATGLM4). */
    public static final String GLM4_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The token string of an id, or null. */
    public String token(int id) {
        return id >= 0 && id < tokens.size() ? tokens.get(id) : null;
    }
}
