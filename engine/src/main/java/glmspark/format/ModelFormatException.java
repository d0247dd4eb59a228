package glmspark.format;

import java.io.IOException;
import java.nio.file.Path;

/** A model file that cannot be used: names the file (and tensor or field) and what is wrong. */
public class ModelFormatException extends IOException {
    public ModelFormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public ModelFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
