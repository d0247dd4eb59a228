package glmspark.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vocabulary accessors, against the ids the fixtures README and the model cards state. */
class VocabularyTest {
    @Test
    void glmTinySpecialTokensAreIds1900To1913() {
        Tokenizer t = Fixtures.tokenizer("glm4-tiny");
        assertEquals(1914, t.vocabSize());
        assertEquals(1900, t.tokenId("<|endoftext|>"));
        assertEquals(1907, t.tokenId("<|user|>"));
        assertEquals(1909, t.tokenId("<|observation|>"));
        assertEquals(14, t.specialTokens().size());
        assertEquals(List.of("<|endoftext|>", "[MASK]", "[gMASK]"), t.specialTokens().subList(0, 3));
        assertTrue(t.isSpecial(1907));
        assertFalse(t.isSpecial(5));
        assertEquals("<|user|>", t.token(1907));
        assertEquals(-1, t.tokenId("no such token"));
        assertNull(t.token(5000));
    }

    @Test
    void qwenThinkTagsAreAddedButNotSpecial() {
        Tokenizer t = Fixtures.tokenizer("qwen3");
        int think = t.tokenId("<think>");
        assertEquals(151667, think);
        assertFalse(t.isSpecial(think));
        assertTrue(t.isSpecial(t.tokenId("<|im_end|>")));
        assertFalse(t.specialTokens().contains("<think>"));
        assertEquals("Ġthe", t.token(t.tokenId("Ġthe")));
    }

    @Test
    void skipSpecialDropsOnlySpecialTokens() {
        Tokenizer t = Fixtures.tokenizer("qwen3");
        int[] ids = t.encode("<|im_start|>user\n<think>x</think><|im_end|>", true);
        assertEquals("user\n<think>x</think>", t.decode(ids, true));
        assertEquals("<|im_start|>user\n<think>x</think><|im_end|>", t.decode(ids, false));
    }
}
