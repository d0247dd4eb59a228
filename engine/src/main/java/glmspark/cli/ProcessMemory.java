package glmspark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory from /proc/self/status, in bytes: all of it (VmRSS), the anonymous part
 * (Java heap, JIT code, thread stacks, off-heap buffers) and the file-backed part (mapped weight pages).
 */
record ProcessMemory(long rss, long anon, long file) {

    /** The current numbers, or null where /proc/self/status does not exist (not Linux). */
    static ProcessMemory now() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) return null;
        long rss = -1, anon = -1, file = -1;
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) rss = kib(line);
                else if (line.startsWith("RssAnon:")) anon = kib(line);
                else if (line.startsWith("RssFile:")) file = kib(line);
            }
        } catch (IOException e) {
            return null;
        }
        return rss < 0 ? null : new ProcessMemory(rss, anon, file);
    }

    /** "VmRSS:    123456 kB" -> bytes. */
    private static long kib(String line) {
        String[] f = line.trim().split("\\s+");
        return Long.parseLong(f[1]) * 1024;
    }
}
