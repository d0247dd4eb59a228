package glmspark.io;

import glmspark.job.JobConfig;
import glmspark.job.SharedSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Whole mutated CSV files and corrupted Parquet files through a local Spark session: a few hundred, not 10,000,
 * as each read is a Spark job (about 0.15 s here). Each must give rows or error rows naming their row, or an
 * IllegalArgumentException naming the dataset; nothing else.
 */
class DatasetFileFuzzTest {

    @TempDir
    Path tmp;

    private static JobConfig.DatasetSpec spec(String path) throws Exception {
        return DatasetReaderFuzzTest.spec(path);
    }

    private static String mutate(Random rnd, String s) {
        return DatasetReaderFuzzTest.mutate(rnd, s);
    }

    private static void checkRow(PromptRow r, String input) {
        DatasetReaderFuzzTest.checkRow(r, input);
    }

    @Test
    void mutatedCsvFilesBecomeRowsOrErrorRows() throws Exception {
        SparkSession spark = SharedSpark.get();
        String base = "id,question,answer,kind\n"
                + "a,\"What is 2+2?\",4,x\n"
                + "b,\"multi\nline, \"\"quoted\"\"\",5,y\n"
                + "c,plain,6,z\n";
        Random rnd = new Random(12);
        int files = 100, rowsSeen = 0;
        for (int i = 0; i < files; i++) {
            String input = base;
            int m = 1 + rnd.nextInt(4);
            for (int j = 0; j < m; j++) input = mutate(rnd, input);
            Path f = tmp.resolve("c" + i + ".csv");
            Files.write(f, input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            JobConfig.DatasetSpec d = spec(f.toString());
            d.name = "c" + i;
            try {
                List<PromptRow> rows = DatasetReader.read(spark, d, new DatasetReader.Limits(rnd.nextBoolean() ? 8 : 1000, 0));
                for (PromptRow r : rows) checkRow(r, input);
                rowsSeen += rows.size();
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("dataset c" + i), e.getMessage());
            } catch (Throwable e) {
                fail("unexpected " + e + " for input:\n" + input, e);
            }
        }
        assertTrue(rowsSeen > files, "rows read " + rowsSeen);
    }

    @Test
    void corruptedParquetFilesEndInRowsOrANamedError() throws Exception {
        SparkSession spark = SharedSpark.get();
        Path good = tmp.resolve("good");
        spark.sql("SELECT CAST(id AS STRING) AS id, concat('question ', id) AS question, CAST(id * 2 AS STRING) AS answer "
                + "FROM range(20)").coalesce(1).write().parquet(good.toString());
        Path part;
        try (var s = Files.list(good)) {
            part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(part);
        Random rnd = new Random(13);
        int files = 50, named = 0, read = 0;
        for (int i = 0; i < files; i++) {
            byte[] b = bytes.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int j = 0; j < flips; j++) {
                // Half the damage lands in the footer (the last 200 bytes), where the schema and offsets live.
                int at = rnd.nextBoolean() ? b.length - 1 - rnd.nextInt(Math.min(200, b.length)) : rnd.nextInt(b.length);
                b[at] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextInt(10) == 0) b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
            Path f = tmp.resolve("p" + i + ".parquet");
            Files.write(f, b);
            JobConfig.DatasetSpec d = spec(f.toString());
            d.name = "p" + i;
            try {
                List<PromptRow> rows = DatasetReader.read(spark, d);
                for (PromptRow r : rows) checkRow(r, "parquet " + i);
                read++;
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage().contains("dataset p" + i), e.getMessage());
                named++;
            } catch (Throwable e) {
                fail("unexpected " + e + " for parquet mutant " + i, e);
            }
        }
        assertEquals(files, named + read);
    }

}
