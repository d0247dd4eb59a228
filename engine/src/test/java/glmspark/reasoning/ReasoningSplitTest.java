package glmspark.reasoning;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ReasoningSplitTest {

    @Test
    void promptOpenedThinkSplitsAtTheFirstClose() {
        assertEquals(new ReasoningSplit("\nLet me add.\n", "The answer is \\boxed{4}.", true),
                ReasoningSplit.split("\nLet me add.\n</think>\n\nThe answer is \\boxed{4}.\n", true));
    }

    @Test
    void generationEndingInsideTheReasoningIsNotClosed() {
        assertEquals(new ReasoningSplit("still thinking", null, false), ReasoningSplit.split("still thinking", true));
        assertEquals(new ReasoningSplit(" thinking", null, false), ReasoningSplit.split("  <think> thinking", false));
        assertEquals(new ReasoningSplit("", null, false), ReasoningSplit.split("", true));
    }

    @Test
    void emptyReasoning() {
        assertEquals(new ReasoningSplit("", "42", true), ReasoningSplit.split("</think>42", true));
        assertEquals(new ReasoningSplit("", "42", true), ReasoningSplit.split("<think></think>\n42", false));
        assertEquals(new ReasoningSplit("\n\n", "", true), ReasoningSplit.split("\n\n</think>\n", true));
    }

    @Test
    void openingTagAtTheStartAfterWhitespaceWhenThePromptDidNotOpenOne() {
        assertEquals(new ReasoningSplit("r", "a", true), ReasoningSplit.split(" \n\t<think>r</think> a ", false));
    }

    @Test
    void noThinkTagsMeansTheWholeTextIsTheAnswer() {
        assertEquals(new ReasoningSplit(null, "just an answer", true), ReasoningSplit.split("  just an answer\n", false));
        assertEquals(new ReasoningSplit(null, "", true), ReasoningSplit.split("", false));
    }

    @Test
    void textBeforeTheOpeningTagMakesItPartOfTheAnswer() {
        String text = "Sure. <think>r</think> done";
        assertEquals(new ReasoningSplit(null, text, true), ReasoningSplit.split(text, false));
        // when the prompt opened the block, a later <think> is just reasoning text
        assertEquals(new ReasoningSplit("a <think>b", "c", true), ReasoningSplit.split("a <think>b</think>c", true));
    }

    @Test
    void severalClosingTagsSplitAtTheFirst() {
        assertEquals(new ReasoningSplit("one", "two</think>three", true),
                ReasoningSplit.split("one</think> two</think>three", true));
        assertEquals(new ReasoningSplit("x", "</think>", true), ReasoningSplit.split("<think>x</think></think>", false));
    }

    @Test
    void whitespaceAroundTheAnswerIsTrimmedButReasoningIsKept() {
        ReasoningSplit s = ReasoningSplit.split("  r  </think> \n a b \n\t", true);
        assertEquals("  r  ", s.reasoning());
        assertEquals("a b", s.answer());
        assertTrue(s.closed());
    }

    @Test
    void nullTextIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ReasoningSplit.split(null, true));
    }
}
