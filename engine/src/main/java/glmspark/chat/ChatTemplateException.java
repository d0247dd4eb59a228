package glmspark.chat;

/** A chat template that cannot be loaded or rendered: syntax error, raise_exception(), sandbox limit. */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
