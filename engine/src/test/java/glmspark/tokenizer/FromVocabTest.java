package glmspark.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** fromVocab (the GGUF path): GLM's vocabulary as flat lists reproduces the HF reference ids. */
class FromVocabTest {
    @Test
    void glmVocabularyAsListsMatchesTheReference() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.resource("glm4-tiny.tokenizer.json").toFile());
        JsonNode vocab = root.get("model").get("vocab");
        JsonNode added = root.get("added_tokens");
        String[] tokens = new String[vocab.size() + added.size()];
        vocab.properties().forEach(e -> tokens[e.getValue().asInt()] = e.getKey());
        Set<Integer> special = new HashSet<>();
        for (JsonNode a : added) {
            tokens[a.get("id").asInt()] = a.get("content").asText();
            special.add(a.get("id").asInt());
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : root.get("model").get("merges")) merges.add(m.get(0).asText() + " " + m.get(1).asText());
        String regex = root.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern").get("Regex").asText();

        Tokenizer t = Tokenizer.fromVocab(Arrays.asList(tokens), merges, special, regex);
        assertEquals(1914, t.vocabSize());
        for (Fixtures.Case c : Fixtures.cases("glm4-tiny")) {
            assertEquals(Arrays.toString(c.ids()), Arrays.toString(t.encode(c.text(), true)), c.text());
            assertEquals(c.decoded(), t.decode(c.ids()));
        }
        assertEquals(Set.copyOf(Fixtures.tokenizer("glm4-tiny").specialTokens()), Set.copyOf(t.specialTokens()));
    }
}
