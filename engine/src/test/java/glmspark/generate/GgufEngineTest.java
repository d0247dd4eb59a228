package glmspark.generate;

import glmspark.Fixtures;
import glmspark.format.ModelFolder;
import glmspark.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A single .gguf file is a complete model: its embedded tokenizer and template behave like the folder's. */
class GgufEngineTest {

    @Test
    void ggufTokenizerEncodesLikeTokenizerJson() throws Exception {
        Path gguf = Path.of(GgufEngineTest.class.getResource("/gguf/glm4-tiny-f32.gguf").toURI());
        try (ModelFolder f = ModelFolder.open(gguf)) {
            Tokenizer fromGguf = Engine.ggufTokenizer(f.ggufVocab());
            Tokenizer fromJson = Tokenizer.load(Fixtures.path("glm4-tiny").resolve("tokenizer.json"));
            for (String s : List.of("Hello world, it's 2025!\n\n  x", "[gMASK]<sop><|user|>\nWhat is 12*7?<|assistant|>", "naïve café 東京"))
                { assertArrayEquals(fromJson.encode(s), fromGguf.encode(s), s); assertArrayEquals(fromJson.encode(s, true), fromGguf.encode(s, true), s); }
            assertEquals("[gMASK]", f.ggufVocab().token(fromGguf.encode("[gMASK]", true)[0]));
        }
    }

    @Test
    void engineOpensGgufFile() throws Exception {
        Path gguf = Path.of(GgufEngineTest.class.getResource("/gguf/glm4-tiny-f32.gguf").toURI());
        try (Engine e = Engine.open(EngineOptions.of(gguf).withThreads(1).withKvBudget(1 << 22));
             Engine ref = Engine.open(EngineOptions.of(Fixtures.path("glm4-tiny")).withThreads(1).withKvBudget(1 << 22))) {
            assertEquals(ref.config().vocabSize(), e.config().vocabSize());
            assertEquals(ref.contextLength(), e.contextLength());
        }
    }
}
