package glmspark.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * BPE rules the fixtures do not isolate, on a tiny hand-made model (the expected ids follow from HF's documented
 * algorithm: lowest rank first, leftmost among equals; ignore_merges takes a whole word found in the vocabulary).
 */
class BpeMergeOrderTest {
    @TempDir
    Path dir;

    private Tokenizer model(boolean ignoreMerges) throws IOException {
        Path p = dir.resolve("t" + ignoreMerges + ".json");
        Files.writeString(p, """
                {"model": {"type": "BPE", "ignore_merges": %s,
                  "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5, "aa": 6, "aaaa": 7},
                  "merges": [["b", "c"], "a b", "a a", "aa aa"]}}""".formatted(ignoreMerges));
        return Tokenizer.load(p);
    }

    @Test
    void lowerRankMergesFirst() throws IOException {
        assertArrayEquals(new int[] {0, 4}, model(false).encode("abc")); // b+c (rank 0) beats a+b (rank 1)
    }

    @Test
    void equalRanksMergeLeftmostFirst() throws IOException {
        assertArrayEquals(new int[] {6, 0}, model(false).encode("aaa"));
        assertArrayEquals(new int[] {7}, model(false).encode("aaaa"));
        assertArrayEquals(new int[] {7, 0}, model(false).encode("aaaaa"));
    }

    @Test
    void ignoreMergesTakesAWholeWordFromTheVocabulary() throws IOException {
        assertArrayEquals(new int[] {5}, model(true).encode("abc"));
        assertArrayEquals(new int[] {0, 4}, model(false).encode("abc"));
    }

    @Test
    void charactersOutsideTheVocabularyAreDroppedWithoutUnkToken() throws IOException {
        assertArrayEquals(new int[] {3}, model(false).encode("axb"));
    }
}
