package glmspark.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import glmspark.job.JobConfig;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * CSV and Parquet rows reach the field mapping as Spark rows of any schema. 10,000 random rows (random column
 * names among the mapped ones and others; strings, numbers, booleans, nulls, arrays, maps and nested structs,
 * including odd text) go through the same conversion and mapping as a real read: each becomes exactly one
 * prompt row, good or an error row naming where it came from; nothing else escapes.
 */
class SparkRowMappingFuzzTest {

    private static final String[] NAMES = {"id", "prompt", "problem", "question", "messages", "answer", "subject", "level", "x", ""};
    private static final String[] TEXT = {"", " ", "What is 2+2?", "<|user|>", "\u0000", "\ud83d\ude00", "####", "\\boxed{4}",
            "{\"role\":\"user\"}", "a".repeat(3000)};

    @Test
    void randomRowsMapToOneRowEach() throws Exception {
        JobConfig.DatasetSpec d = new JobConfig.DatasetSpec();
        d.path = "rows.parquet";
        d.goldAfter = "####";
        JobConfig.DatasetSpec spec = DatasetReader.resolve(d, "../datasets", 0);
        SplittableRandom r = new SplittableRandom(20261128);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            DatasetReader.Mapper mapper = new DatasetReader.Mapper(spec, new DatasetReader.Limits(2000, 0));
            int good = 0;
            for (int i = 0; i < 10_000; i++) {
                Row row = randomRow(r);
                String where = "rows.parquet:row " + (i + 1);
                try {
                    ObjectNode n = JsonNodeFactory.instance.objectNode();
                    for (int c = 0; c < row.size(); c++) n.set(row.schema().fields()[c].name(), DatasetReader.toJson(row.get(c)));
                    PromptRow p = mapper.map(n, where);
                    assertEquals(i + 1, mapper.count(), "one prompt row per input row");
                    if (p.error() == null) {
                        good++;
                        assertTrue(p.prompt() != null || (p.messages() != null && !p.messages().isEmpty()), "a good row has a prompt");
                        assertTrue(p.id() != null && !p.id().isBlank(), "a good row has an id: " + row + " -> " + p);
                    } else {
                        assertTrue(p.error().contains(where) || p.error().contains("row " + (i + 1)), "error names its row: " + p.error());
                    }
                } catch (AssertionError e) {
                    throw e;
                } catch (Throwable t) {
                    fail("row " + i + " (" + row + "): unexpected " + t, t);
                }
            }
            assertTrue(good > 500, "enough rows were valid for the fuzzing to mean something: " + good);
        });
    }

    private static Row randomRow(SplittableRandom r) {
        int cols = r.nextInt(6);
        List<StructField> fields = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        if (r.nextInt(3) > 0) { // most rows have a prompt column, so valid rows are common
            fields.add(DataTypes.createStructField(r.nextBoolean() ? "question" : "prompt", DataTypes.StringType, true));
            values.add(r.nextInt(8) == 0 ? null : TEXT[r.nextInt(TEXT.length)]);
            used.add(fields.get(0).name());
        }
        for (int c = 0; c < cols; c++) {
            String name = NAMES[r.nextInt(NAMES.length)] + (r.nextInt(4) == 0 ? c : "");
            if (!used.add(name)) continue;
            Object[] v = new Object[1];
            DataType t = randomValue(r, 0, v);
            fields.add(DataTypes.createStructField(name, t, true));
            values.add(v[0]);
        }
        return new GenericRowWithSchema(values.toArray(), new StructType(fields.toArray(new StructField[0])));
    }

    /** A random Spark value in {@code out[0]}; returns its type. */
    private static DataType randomValue(SplittableRandom r, int depth, Object[] out) {
        switch (depth > 2 ? r.nextInt(5) : r.nextInt(8)) {
            case 0 -> { out[0] = TEXT[r.nextInt(TEXT.length)]; return DataTypes.StringType; }
            case 1 -> { out[0] = r.nextInt(8) == 0 ? null : r.nextLong(); return DataTypes.LongType; }
            case 2 -> { out[0] = r.nextBoolean() ? Double.NaN : r.nextDouble() * 1e300; return DataTypes.DoubleType; }
            case 3 -> { out[0] = r.nextBoolean(); return DataTypes.BooleanType; }
            case 4 -> { out[0] = null; return DataTypes.StringType; }
            case 5 -> {
                Object[] e = new Object[1];
                DataType t = randomValue(r, depth + 1, e);
                List<Object> items = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) items.add(e[0]);
                out[0] = scala.jdk.javaapi.CollectionConverters.asScala(items).toSeq();
                return DataTypes.createArrayType(t, true);
            }
            case 6 -> {
                java.util.Map<String, String> m = new java.util.HashMap<>();
                m.put("role", r.nextBoolean() ? "user" : "system");
                m.put("content", TEXT[r.nextInt(TEXT.length)]);
                out[0] = scala.jdk.javaapi.CollectionConverters.asScala(m);
                return DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType);
            }
            default -> {
                Object[] e = new Object[1];
                DataType t = randomValue(r, depth + 1, e);
                StructType st = new StructType().add("content", t, true).add("role", DataTypes.StringType, true);
                out[0] = new GenericRowWithSchema(new Object[]{e[0], r.nextBoolean() ? "user" : null}, st);
                return st;
            }
        }
    }
}
