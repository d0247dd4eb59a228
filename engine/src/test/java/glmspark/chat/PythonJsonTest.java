package glmspark.chat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Expected strings are what CPython 3's json.dumps prints for the same value (documented behaviour). */
class PythonJsonTest {

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void defaultSeparatorsWithoutIndentAreCommaSpaceAndColonSpace() {
        Object v = map("a", Arrays.asList(1, 2.5, null, true, false), "b", map(), "c", List.of());
        // json.dumps({"a": [1, 2.5, None, True, False], "b": {}, "c": []})
        assertEquals("{\"a\": [1, 2.5, null, true, false], \"b\": {}, \"c\": []}", PythonJson.dumps(v));
    }

    @Test
    void indentUsesCommaBeforeNewlineAndKeepsEmptyContainersInline() {
        Object v = map("a", List.of(1, map("x", "y")), "e", List.of());
        // json.dumps(v, indent=2)
        assertEquals("{\n  \"a\": [\n    1,\n    {\n      \"x\": \"y\"\n    }\n  ],\n  \"e\": []\n}",
                new PythonJson(true, "  ", null, null, false).write(v));
        // json.dumps([1, 2], indent=0): newlines without indentation
        assertEquals("[\n1,\n2\n]", new PythonJson(true, "", null, null, false).write(List.of(1, 2)));
    }

    @Test
    void ensureAsciiEscapesEverythingOutsidePrintableAscii() {
        String s = "é😀\u007f\u0001\"\\\n\r\t\b\f/<";
        // json.dumps(s): surrogate pairs, lowercase hex, DEL escaped, "/" and "<" kept
        assertEquals("\"\\u00e9\\ud83d\\ude00\\u007f\\u0001\\\"\\\\\\n\\r\\t\\b\\f/<\"", PythonJson.dumps(s));
        // json.dumps(s, ensure_ascii=False): only quotes, backslash and control characters are escaped
        assertEquals("\"é😀\u007f\\u0001\\\"\\\\\\n\\r\\t\\b\\f/<\"",
                new PythonJson(false, null, null, null, false).write(s));
    }

    @Test
    void floatsPrintAsPythonRepr() {
        assertEquals("[1.0, 0.1, 1e-05, 0.0001, 1e+16, 1234567890123456.0, 1.2345678901234568e+17, -0.0, "
                        + "NaN, Infinity, -Infinity, 3.14, 2.5e-10, 100.0, 12]",
                PythonJson.dumps(List.of(1.0, 0.1, 1e-5, 1e-4, 1e16, 1234567890123456.0, 123456789012345678.0,
                        -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 3.14, 2.5e-10, 100.0,
                        12L)));
    }

    @Test
    void sortKeysAndCustomSeparators() {
        Object v = map("b", 1, "a", map("d", 2, "c", 3));
        // json.dumps(v, sort_keys=True, separators=(",", ":"))
        assertEquals("{\"a\":{\"c\":3,\"d\":2},\"b\":1}", new PythonJson(true, null, ",", ":", true).write(v));
    }

    @Test
    void unserializableValuesFailLikePython() {
        List<Object> v = new ArrayList<>();
        v.add(new Object());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PythonJson.dumps(v));
        assertEquals(true, e.getMessage().contains("not JSON serializable"));
    }
}
