package glmspark.io;

import glmspark.exec.SampleResult;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ByteArrayReadableSeekableByteChannel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoint of finished samples: {@code OUTPUT/_progress/<segment>-p<partition>-a<attempt>-<seq>-r<rows>-t<tokens>.arrow},
 * one Arrow IPC file per flushed batch, written to a hidden temp name and renamed (atomic on HDFS and local
 * file systems), so a reader sees whole files only. Rows and generated tokens in the name let the driver show
 * progress by listing the folder. A sample with an error is not "finished": resume tries it again.
 */
public final class ProgressStore {

    public static final String DIR = "_progress";
    private static final Pattern NAME = Pattern.compile("(.+)-p(\\d+)-a(\\d+)-(\\d+)-r(\\d+)-t(\\d+)\\.arrow");

    static final Schema SCHEMA = new Schema(List.of(
            str("pass"), str("dataset"), str("id"), i32("sample_index"), i64("seed"), str("rendered_prompt"),
            str("prompt_token_ids"), str("reasoning"), str("answer"), Field.nullable("reasoning_closed", ArrowType.Bool.INSTANCE),
            str("finish_reason"), i32("prompt_tokens"), i32("reasoning_tokens"), i32("answer_tokens"), i64("latency_ms"),
            str("error")));

    private ProgressStore() {
    }

    public static Path dir(String output) {
        return new Path(output, DIR);
    }

    /** A progress file's name parts. */
    public record FileInfo(Path path, String segment, int partition, int attempt, int seq, int rows, long tokens) {
    }

    public static FileInfo parse(Path p) {
        Matcher m = NAME.matcher(p.getName());
        if (!m.matches()) return null;
        return new FileInfo(p, m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Long.parseLong(m.group(6)));
    }

    /** All complete progress files under {@code dir} (temp files are hidden and skipped). */
    public static List<FileInfo> list(FileSystem fs, Path dir) throws IOException {
        List<FileInfo> out = new ArrayList<>();
        if (!fs.exists(dir)) return out;
        for (FileStatus st : fs.listStatus(dir)) {
            FileInfo fi = parse(st.getPath());
            if (fi != null) out.add(fi);
        }
        out.sort((a, b) -> a.path().getName().compareTo(b.path().getName()));
        return out;
    }

    /** Writes one batch atomically; returns the final path. */
    public static Path write(FileSystem fs, Path dir, String segment, int partition, int attempt, int seq,
                             List<SampleResult> rows) throws IOException {
        long tokens = 0;
        for (SampleResult r : rows) tokens += r.generatedTokens();
        String name = String.format("%s-p%05d-a%d-%05d-r%d-t%d.arrow", segment, partition, attempt, seq, rows.size(), tokens);
        Path tmp = new Path(dir, "." + name + "." + UUID.randomUUID() + ".tmp");
        Path dst = new Path(dir, name);
        try (BufferAllocator alloc = new RootAllocator();
             VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, alloc)) {
            root.allocateNew();
            for (int i = 0; i < rows.size(); i++) {
                SampleResult r = rows.get(i);
                set(root, "pass", i, r.pass());
                set(root, "dataset", i, r.dataset());
                set(root, "id", i, r.id());
                ((IntVector) root.getVector("sample_index")).setSafe(i, r.sampleIndex());
                ((BigIntVector) root.getVector("seed")).setSafe(i, r.seed());
                set(root, "rendered_prompt", i, r.renderedPrompt());
                set(root, "prompt_token_ids", i, r.promptTokenIds() == null ? null : joinInts(r.promptTokenIds()));
                set(root, "reasoning", i, r.reasoning());
                set(root, "answer", i, r.answer());
                ((BitVector) root.getVector("reasoning_closed")).setSafe(i, r.reasoningClosed() ? 1 : 0);
                set(root, "finish_reason", i, r.finishReason());
                ((IntVector) root.getVector("prompt_tokens")).setSafe(i, r.promptTokens());
                ((IntVector) root.getVector("reasoning_tokens")).setSafe(i, r.reasoningTokens());
                ((IntVector) root.getVector("answer_tokens")).setSafe(i, r.answerTokens());
                ((BigIntVector) root.getVector("latency_ms")).setSafe(i, r.latencyMs());
                set(root, "error", i, r.error());
            }
            root.setRowCount(rows.size());
            try (FSDataOutputStream os = fs.create(tmp, false);
                 ArrowFileWriter w = new ArrowFileWriter(root, null, Channels.newChannel(os))) {
                w.start();
                w.writeBatch();
                w.end();
            }
        }
        if (!fs.rename(tmp, dst)) {
            fs.delete(tmp, false);
            throw new IOException("progress: could not rename " + tmp + " to " + dst);
        }
        return dst;
    }

    public static List<SampleResult> read(FileSystem fs, Path file) throws IOException {
        byte[] bytes;
        long len = fs.getFileStatus(file).getLen();
        try (FSDataInputStream in = fs.open(file)) {
            bytes = new byte[Math.toIntExact(len)];
            in.readFully(0, bytes);
        }
        List<SampleResult> out = new ArrayList<>();
        try (BufferAllocator alloc = new RootAllocator();
             ArrowFileReader reader = new ArrowFileReader(new ByteArrayReadableSeekableByteChannel(bytes), alloc)) {
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            while (reader.loadNextBatch()) {
                for (int i = 0; i < root.getRowCount(); i++) {
                    String ids = get(root, "prompt_token_ids", i);
                    out.add(new SampleResult(get(root, "pass", i), get(root, "dataset", i), get(root, "id", i),
                            ((IntVector) root.getVector("sample_index")).get(i), ((BigIntVector) root.getVector("seed")).get(i),
                            get(root, "rendered_prompt", i), ids == null ? null : splitInts(ids), get(root, "reasoning", i),
                            get(root, "answer", i), ((BitVector) root.getVector("reasoning_closed")).get(i) == 1,
                            get(root, "finish_reason", i), ((IntVector) root.getVector("prompt_tokens")).get(i),
                            ((IntVector) root.getVector("reasoning_tokens")).get(i), ((IntVector) root.getVector("answer_tokens")).get(i),
                            ((BigIntVector) root.getVector("latency_ms")).get(i), get(root, "error", i)));
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("progress file " + file + " is unreadable: " + e.getMessage(), e);
        }
        return out;
    }

    /** Keys of the samples finished without error, from every progress file under {@code dir}. */
    public static Set<String> finishedKeys(FileSystem fs, Path dir) throws IOException {
        Set<String> keys = new HashSet<>();
        for (FileInfo f : list(fs, dir)) keys.addAll(finishedKeys(fs, List.of(f)));
        return keys;
    }

    public static Set<String> finishedKeys(FileSystem fs, List<FileInfo> files) throws IOException {
        Set<String> keys = new HashSet<>();
        for (FileInfo f : files) {
            for (SampleResult r : read(fs, f.path())) if (r.error() == null) keys.add(r.key());
        }
        return keys;
    }

    public static FileSystem fs(String output, Configuration conf) throws IOException {
        return new Path(output).getFileSystem(conf);
    }

    private static Field str(String n) {
        return Field.nullable(n, ArrowType.Utf8.INSTANCE);
    }

    private static Field i32(String n) {
        return Field.nullable(n, new ArrowType.Int(32, true));
    }

    private static Field i64(String n) {
        return Field.nullable(n, new ArrowType.Int(64, true));
    }

    private static void set(VectorSchemaRoot root, String col, int i, String v) {
        VarCharVector vec = (VarCharVector) root.getVector(col);
        if (v == null) vec.setNull(i);
        else vec.setSafe(i, v.getBytes(StandardCharsets.UTF_8));
    }

    private static String get(VectorSchemaRoot root, String col, int i) {
        VarCharVector vec = (VarCharVector) root.getVector(col);
        return vec.isNull(i) ? null : new String(vec.get(i), StandardCharsets.UTF_8);
    }

    static String joinInts(int[] a) {
        StringBuilder sb = new StringBuilder(a.length * 6);
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(a[i]);
        }
        return sb.toString();
    }

    static int[] splitInts(String s) {
        if (s.isEmpty()) return new int[0];
        return Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
