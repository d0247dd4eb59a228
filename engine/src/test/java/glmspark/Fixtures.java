package glmspark;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Paths of the reference fixtures copied into test resources (outputs of Hugging Face transformers). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path path(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalStateException("test resource fixtures/" + name + " is missing");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
