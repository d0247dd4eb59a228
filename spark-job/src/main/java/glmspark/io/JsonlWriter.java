package glmspark.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.UUID;

/** Writes the results as one JSON Lines file (OUTPUT/results.jsonl), in the Parquet's row order. */
public final class JsonlWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlWriter() {
    }

    public static void write(Dataset<Row> results, FileSystem fs, Path file) throws IOException {
        Path tmp = new Path(file.getParent(), "." + file.getName() + "." + UUID.randomUUID() + ".tmp");
        try (FSDataOutputStream os = fs.create(tmp, true)) {
            Iterator<String> it = results.orderBy("pass", "dataset", "id", "sample_index").toJSON().toLocalIterator();
            while (it.hasNext()) {
                // Spark's toJSON drops null fields; keep every column so each line has the full schema.
                ObjectNode o = (ObjectNode) JSON.readTree(it.next());
                ObjectNode line = JSON.createObjectNode();
                for (String c : results.columns()) line.set(c, o.has(c) ? o.get(c) : line.nullNode());
                os.write(JSON.writeValueAsString(line).getBytes(StandardCharsets.UTF_8));
                os.write('\n');
            }
        }
        fs.delete(file, false);
        if (!fs.rename(tmp, file)) throw new IOException("cannot rename " + tmp + " to " + file);
    }
}
