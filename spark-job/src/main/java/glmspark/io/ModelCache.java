package glmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * Makes a model readable as a local path. A local path (no scheme, or file:) is used in place. Anything else
 * (hdfs:, s3a:, ...) is copied once per node into {@code CACHE/<sha256 of the URI>/}: each file is streamed
 * to a private temp folder while its SHA-256 is computed, re-read from disk and checked against the size and
 * digest, a {@code _COMPLETE} file listing them is written last, and the folder is renamed into place. Several
 * executors of a node starting together each copy into their own temp folder; the first rename wins and the
 * others delete theirs, so no reader ever sees a half-copied model.
 */
public final class ModelCache {

    public static final String COMPLETE = "_COMPLETE";

    private ModelCache() {
    }

    public static boolean isLocal(String model) {
        String scheme = URI.create(model.replace(" ", "%20")).getScheme();
        return scheme == null || scheme.equals("file") || scheme.length() == 1; // C:\ style drive letters
    }

    public static Path localize(String model, Configuration conf, String cacheDir) throws IOException {
        return localize(model, conf, cacheDir, false);
    }

    /** {@code force} copies a local path too (tests exercise the copy with a local source). */
    public static Path localize(String model, Configuration conf, String cacheDir, boolean force) throws IOException {
        if (!force && isLocal(model)) {
            return model.startsWith("file:") ? Path.of(URI.create(model)) : Path.of(model);
        }
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(model);
        FileSystem fs = src.getFileSystem(conf);
        FileStatus root = fs.getFileStatus(src);
        Path cache = Path.of(cacheDir != null ? cacheDir : System.getProperty("java.io.tmpdir") + "/glm-spark-models");
        Files.createDirectories(cache);
        String key = sha256(fs.makeQualified(src).toString().getBytes(StandardCharsets.UTF_8)).substring(0, 24);
        Path dest = cache.resolve(key);

        List<FileStatus> files = new ArrayList<>();
        if (root.isDirectory()) {
            for (FileStatus st : fs.listStatus(src)) if (st.isFile()) files.add(st);
        } else {
            files.add(root);
        }
        if (isComplete(dest, files)) return root.isDirectory() ? dest : dest.resolve(src.getName());

        Path tmp = cache.resolve("." + key + "." + UUID.randomUUID() + ".tmp");
        Files.createDirectories(tmp);
        StringBuilder manifest = new StringBuilder();
        try {
            for (FileStatus st : files) {
                Path out = tmp.resolve(st.getPath().getName());
                MessageDigest md = digest();
                try (FSDataInputStream in = fs.open(st.getPath());
                     DigestInputStream din = new DigestInputStream(in, md);
                     OutputStream os = Files.newOutputStream(out)) {
                    din.transferTo(os);
                }
                String streamed = HexFormat.of().formatHex(md.digest());
                long size = Files.size(out);
                if (size != st.getLen()) throw new IOException("model cache: " + st.getPath() + " copied " + size + " of " + st.getLen() + " bytes");
                String onDisk = sha256(out);
                if (!onDisk.equals(streamed)) throw new IOException("model cache: checksum of the copy of " + st.getPath() + " differs from the source stream");
                manifest.append(st.getPath().getName()).append('\t').append(size).append('\t').append(onDisk).append('\n');
            }
            Files.writeString(tmp.resolve(COMPLETE), manifest.toString());
            if (Files.exists(dest) && !isComplete(dest, files)) {
                // A damaged or stale copy: move it aside (atomically, so a concurrent reader never sees it half
                // deleted) and replace it.
                Path stale = cache.resolve("." + key + "." + UUID.randomUUID() + ".stale");
                try {
                    Files.move(dest, stale, StandardCopyOption.ATOMIC_MOVE);
                    deleteTree(stale);
                } catch (java.nio.file.NoSuchFileException ignored) {
                    // another executor moved it first
                }
            }
            try {
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileSystemException e) {
                // Another executor of this node finished first (rename onto a non-empty folder fails); use its copy.
                if (!isComplete(dest, files)) throw new IOException("model cache: " + dest + " exists but is incomplete", e);
            }
        } finally {
            deleteTree(tmp);
        }
        return root.isDirectory() ? dest : dest.resolve(src.getName());
    }

    /** The folder holds a {@code _COMPLETE} list whose names and sizes match the source and the files on disk. */
    static boolean isComplete(Path dest, List<FileStatus> files) throws IOException {
        Path marker = dest.resolve(COMPLETE);
        if (!Files.isRegularFile(marker)) return false;
        List<String> lines = Files.readAllLines(marker);
        if (lines.size() != files.size()) return false;
        for (FileStatus st : files) {
            Path f = dest.resolve(st.getPath().getName());
            if (!Files.isRegularFile(f) || Files.size(f) != st.getLen()) return false;
            boolean listed = false;
            for (String l : lines) listed |= l.startsWith(st.getPath().getName() + "\t" + st.getLen() + "\t");
            if (!listed) return false;
        }
        return true;
    }

    /** Hadoop settings on an executor: defaults plus the job's spark.hadoop.* settings. */
    public static Configuration hadoopConf() {
        Configuration c = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            SparkConf sc = env.conf();
            for (Tuple2<String, String> kv : sc.getAll()) {
                if (kv._1().startsWith("spark.hadoop.")) c.set(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        return c;
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] b) {
        return HexFormat.of().formatHex(digest().digest(b));
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
