package glmspark.generate;

import glmspark.Fixtures;
import glmspark.format.DType;
import glmspark.format.GgufExport;
import glmspark.format.ModelFolder;
import glmspark.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tokenizer GgufExport embeds encodes like the folder's tokenizer.json. */
class GgufExportTokenizerTest {

    @TempDir
    Path dir;

    @Test
    void exportedTokenizerEncodesLikeTokenizerJson() throws Exception {
        Path gguf = dir.resolve("tiny.gguf");
        GgufExport.export(Fixtures.path("glm4-tiny"), gguf, DType.F32);
        try (ModelFolder f = ModelFolder.open(gguf)) {
            Tokenizer fromGguf = Engine.ggufTokenizer(f.ggufVocab());
            Tokenizer fromJson = Tokenizer.load(Fixtures.path("glm4-tiny").resolve("tokenizer.json"));
            for (String s : List.of("Hello world, it's 2025!\n\n  x", "[gMASK]<sop><|user|>\nWhat is 12*7?<|assistant|>",
                    "naïve café 東京", "  12345 tabs\tand\r\nnewlines<|observation|>")) {
                assertArrayEquals(fromJson.encode(s), fromGguf.encode(s), s);
                assertArrayEquals(fromJson.encode(s, true), fromGguf.encode(s, true), s);
            }
            assertEquals("[gMASK]", f.ggufVocab().token(fromGguf.encode("[gMASK]", true)[0]));
            assertEquals(1902, f.ggufVocab().bosId());
        }
    }
}
