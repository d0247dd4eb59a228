package glmspark.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The HF reference fixtures copied into src/test/resources/tokenizers (see the fixtures README). */
final class Fixtures {
    static final List<String> NAMES = List.of("glm4-tiny", "qwen3", "llama3", "deepseek_v3");
    private static final ConcurrentHashMap<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    record Case(String text, int[] ids, String decoded) {
    }

    private Fixtures() {
    }

    static Path resource(String name) {
        URL url = Fixtures.class.getResource("/tokenizers/" + name);
        if (url == null) throw new IllegalStateException("missing test resource tokenizers/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path tokenizerPath(String name) {
        return resource(name.equals("glm4-tiny") ? "glm4-tiny.tokenizer.json" : name + ".tokenizer.json.gz");
    }

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return Tokenizer.load(tokenizerPath(n));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static List<Case> cases(String name) {
        try {
            JsonNode root = new ObjectMapper().readTree(resource(name + ".cases.json").toFile());
            List<Case> out = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                JsonNode ids = c.get("ids");
                int[] a = new int[ids.size()];
                for (int i = 0; i < a.length; i++) a[i] = ids.get(i).asInt();
                out.add(new Case(c.get("text").asText(), a, c.get("decoded").asText()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
