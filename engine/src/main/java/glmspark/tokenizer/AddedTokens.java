package glmspark.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds added tokens in text, as HF's {@code AddedVocabulary::find_matches}: leftmost-longest, non-overlapping
 * matches (an Aho-Corasick scan there, a character trie here), then the single_word / lstrip / rstrip rules.
 * A match the rules reject is skipped without rescanning inside it, exactly as HF's iterator does.
 */
final class AddedTokens {
    /** One added token from tokenizer.json's {@code added_tokens}. */
    record Token(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                 boolean normalized) {
    }

    /** A piece of the input: an added token ({@code id >= 0}) or text still to tokenize ({@code id == -1}). */
    record Segment(String text, int id) {
    }

    private static final Pattern WORD_CHAR = Pattern.compile("\\w", Pattern.UNICODE_CHARACTER_CLASS);

    private static final class Node {
        final Map<Character, Node> children = new HashMap<>(4);
        Token token;
    }

    private final Node root = new Node();
    private final boolean empty;

    /** {@code patterns[i]} is the string to look for (the content, normalized for normalized tokens). */
    AddedTokens(List<Token> tokens, List<String> patterns) {
        for (int t = 0; t < tokens.size(); t++) {
            String p = patterns.get(t);
            if (p.isEmpty()) continue;
            Node node = root;
            for (int i = 0; i < p.length(); i++) node = node.children.computeIfAbsent(p.charAt(i), c -> new Node());
            if (node.token == null) node.token = tokens.get(t); // first registration of a duplicate string wins
        }
        empty = root.children.isEmpty();
    }

    boolean isEmpty() {
        return empty;
    }

    /** End (exclusive) of the longest token starting at {@code start}, or -1; its token in {@code found[0]}. */
    private int longestAt(String s, int start, Token[] found) {
        Node node = root;
        int end = -1;
        for (int i = start; i < s.length(); i++) {
            node = node.children.get(s.charAt(i));
            if (node == null) break;
            if (node.token != null) {
                end = i + 1;
                found[0] = node.token;
            }
        }
        return end;
    }

    /** Length of the longest added-token string starting at {@code start}, or -1. */
    int longestAt(String s, int start) {
        Token[] found = new Token[1];
        int end = longestAt(s, start, found);
        return end < 0 ? -1 : end - start;
    }

    /** Whether {@code s[start, end)} is an added-token string. */
    boolean hasExactly(String s, int start, int end) {
        Node node = root;
        for (int i = start; i < end && node != null; i++) node = node.children.get(s.charAt(i));
        return node != null && node.token != null;
    }

    List<Segment> split(String s) {
        List<Segment> out = new ArrayList<>();
        if (empty || s.isEmpty()) {
            if (!s.isEmpty()) out.add(new Segment(s, -1));
            return out;
        }
        Token[] found = new Token[1];
        int startOffset = 0;
        int i = 0;
        while (i < s.length()) {
            int stop = longestAt(s, i, found);
            if (stop < 0) {
                i++;
                continue;
            }
            int start = i;
            i = stop; // the scan continues after the match whether or not it is kept
            Token t = found[0];
            if (start < startOffset) continue;
            // A token of one code point cannot be split by a protect marker, so protect() puts one before it.
            if (Character.codePointCount(s, start, stop) == 1 && start > 0 && s.charAt(start - 1) == Tokenizer.PROTECT) {
                continue;
            }
            if (t.singleWord()) {
                boolean startSpace = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopSpace = stop == s.length() || !isWordChar(s.codePointAt(stop));
                if (!startSpace || !stopSpace) continue;
            }
            if (t.lstrip()) {
                int newStart = start;
                while (newStart > 0 && isWhiteSpace(s.codePointBefore(newStart))) {
                    newStart -= Character.charCount(s.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset);
            }
            if (t.rstrip()) {
                while (stop < s.length() && isWhiteSpace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
                i = Math.max(i, stop);
            }
            if (startOffset < start) out.add(new Segment(s.substring(startOffset, start), -1));
            out.add(new Segment(s.substring(start, stop), t.id()));
            startOffset = stop;
        }
        if (startOffset < s.length()) out.add(new Segment(s.substring(startOffset), -1));
        return out;
    }

    private static boolean isWordChar(int cp) {
        return WORD_CHAR.matcher(Character.toString(cp)).matches();
    }

    /** Unicode White_Space, which is what {@code \s} means in Rust's regex and in Oniguruma. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
