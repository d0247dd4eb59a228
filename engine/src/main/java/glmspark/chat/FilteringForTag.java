package glmspark.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ObjectTruthValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja's filtered loop {@code {% for x in xs if cond %}}: Jinjava parses "xs if cond" as an inline if
 * (which yields xs whatever cond says), so items are not filtered and loop.index/loop.last count the
 * skipped items. Here the items are filtered first, with the loop variables bound while cond is evaluated,
 * then the ordinary for-loop runs over what is left, so loop.* describe the filtered sequence as in Jinja.
 */
final class FilteringForTag extends ForTag {

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        String helpers = tagNode.getHelpers();
        int in = topLevelKeyword(helpers, "in", 0);
        int cond = in < 0 ? -1 : topLevelKeyword(helpers, "if", in + 2);
        if (cond < 0) return super.interpret(tagNode, interpreter);

        List<String> loopVars = new ArrayList<>();
        for (String v : helpers.substring(0, in).split(",")) {
            String name = v.trim();
            if (name.startsWith("(")) name = name.substring(1).trim();
            if (name.endsWith(")")) name = name.substring(0, name.length() - 1).trim();
            if (!name.isEmpty()) loopVars.add(name);
        }
        String iterableExpr = helpers.substring(in + 2, cond).trim();
        String condExpr = helpers.substring(cond + 2).trim();
        if (loopVars.isEmpty() || iterableExpr.isEmpty() || condExpr.isEmpty()) {
            throw new TemplateSyntaxException(tagNode.getMaster().getImage(),
                    "malformed filtered for loop: " + helpers, tagNode.getLineNumber(), tagNode.getStartPosition());
        }
        Object iterable = interpreter.resolveELExpression(iterableExpr, tagNode.getLineNumber());
        List<Object> kept = new ArrayList<>();
        for (Object item : items(iterable)) {
            try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
                bind(interpreter, loopVars, item);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condExpr, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return renderForCollection(tagNode, interpreter, loopVars, kept);
    }

    private static Iterable<?> items(Object iterable) {
        if (iterable == null) return List.of();
        if (iterable instanceof Map<?, ?> map) return new ArrayList<>(map.keySet()); // Jinja iterates dict keys
        if (iterable instanceof Iterable<?> it) return it;
        if (iterable instanceof Object[] array) return List.of(array);
        if (iterable instanceof String s) return s.codePoints().mapToObj(Character::toString).toList();
        return List.of(iterable);
    }

    private static void bind(JinjavaInterpreter interpreter, List<String> loopVars, Object item) {
        if (loopVars.size() == 1) {
            interpreter.getContext().put(loopVars.get(0), item);
            return;
        }
        List<?> parts;
        if (item instanceof Map.Entry<?, ?> e) parts = java.util.Arrays.asList(e.getKey(), e.getValue());
        else if (item instanceof List<?> l) parts = l;
        else if (item instanceof Object[] a) parts = java.util.Arrays.asList(a);
        else parts = List.of();
        for (int i = 0; i < loopVars.size(); i++) {
            interpreter.getContext().put(loopVars.get(i), i < parts.size() ? parts.get(i) : null);
        }
    }

    /** Index of a keyword surrounded by whitespace, outside quotes and brackets, at or after from; -1 if none. */
    static int topLevelKeyword(String s, String keyword, int from) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') i++;
                else if (c == quote) quote = 0;
                continue;
            }
            switch (c) {
                case '\'', '"' -> quote = c;
                case '(', '[', '{' -> depth++;
                case ')', ']', '}' -> depth--;
                default -> {
                    if (depth == 0 && i >= from && s.startsWith(keyword, i)
                            && i > 0 && Character.isWhitespace(s.charAt(i - 1))
                            && i + keyword.length() < s.length()
                            && Character.isWhitespace(s.charAt(i + keyword.length()))) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
