package glmspark.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad tokenizer files give errors that name the file and the field. */
class TokenizerErrorsTest {
    @TempDir
    Path dir;

    private static final String MINIMAL_BPE = """
            {"normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [%s]},
             "added_tokens": [%s], "decoder": {"type": "ByteLevel"}}""";

    private Path write(String json) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json);
        return p;
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String part : parts) assertTrue(e.getMessage().contains(part), () -> e.getMessage() + " lacks " + part);
    }

    @Test
    void missingFileNamesThePath() {
        Path p = dir.resolve("nope/tokenizer.json");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "not found");
    }

    @Test
    void malformedJsonNamesFileAndLine() throws IOException {
        Path p = write("{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": 0,, }}}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "malformed JSON", "line 2");
    }

    @Test
    void unigramModelIsRejectedNamingTheField() throws IOException {
        Path p = write("{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "model.type", "Unigram");
    }

    @Test
    void mergeOfUnknownTokenNamesTheMerge() throws IOException {
        Path p = write(MINIMAL_BPE.formatted("\"a b\", \"a c\"", ""));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "model.merges[1]", "\"c\"");
    }

    @Test
    void malformedMergeNamesTheMerge() throws IOException {
        Path p = write(MINIMAL_BPE.formatted("[\"a\", \"b\", \"c\"]", ""));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "model.merges[0]");
    }

    @Test
    void addedTokenWithoutIdNamesTheEntry() throws IOException {
        Path p = write(MINIMAL_BPE.formatted("\"a b\"", "{\"id\": 3, \"content\": \"<s>\"}, {\"content\": \"x\"}"));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "added_tokens[1].id");
    }

    @Test
    void unsupportedPreTokenizerNamesItsPath() throws IOException {
        Path p = write(MINIMAL_BPE.formatted("\"a b\"", "").replace(
                "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}",
                "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Metaspace\"}]}"));
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(p));
        assertMentions(e, p.toString(), "pre_tokenizer.pretokenizers[0].type", "Metaspace");
    }

    @Test
    void minimalFileLoadsAndMerges() throws IOException {
        Tokenizer t = Tokenizer.load(write(MINIMAL_BPE.formatted("[\"a\", \"b\"]", "{\"id\": 3, \"content\": \"<s>\", \"special\": true}")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 0, 3}, t.encode("aba<s>", true));
        org.junit.jupiter.api.Assertions.assertEquals(4, t.vocabSize());
    }
}
