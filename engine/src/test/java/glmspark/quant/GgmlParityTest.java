package glmspark.quant;

import glmspark.format.DType;
import glmspark.format.Gguf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our quantisation and dequantisation against ggml's own (resources gguf/ggml-quants.gguf, written by ggml's
 * ggml_quantize_chunk and type traits' to_float from the random tensors of gguf/random-f32.gguf; see the README).
 */
class GgmlParityTest {

    static Path resource(String name) {
        try {
            return Path.of(GgmlParityTest.class.getResource("/gguf/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource gguf/" + name + " is missing", e);
        }
    }

    static float[] floats(Gguf g, Gguf.TensorInfo t) {
        return g.data(t).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }

    static Gguf.TensorInfo find(Gguf g, String name) {
        return g.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no tensor " + name));
    }

    @ParameterizedTest(name = "{0}: dequantisation equals ggml's to_float bit for bit")
    @EnumSource(value = DType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q4_K", "Q5_K", "Q6_K"})
    void dequantisationEqualsGgml(DType type) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Gguf q = Gguf.read(resource("ggml-quants.gguf"), arena);
            for (String base : List.of("normal", "uniform")) {
                Gguf.TensorInfo qt = find(q, base + "." + type.name().toLowerCase().replace("_k", "_K"));
                assertEquals(type, qt.type());
                float[] want = floats(q, find(q, qt.name() + ".deq"));
                byte[] raw = q.data(qt).toArray(ValueLayout.JAVA_BYTE);
                float[] got = new float[want.length];
                Quants.dequantize(type, raw, 0, got, 0, got.length);
                for (int i = 0; i < got.length; i++)
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), qt.name() + " element " + i + ": " + got[i] + " vs ggml " + want[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0}: quantisation equals ggml's reference quantiser byte for byte")
    @CsvSource({"Q8_0", "Q4_K", "Q6_K", "Q5_0"})
    void quantisationEqualsGgml(DType type) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            Gguf in = Gguf.read(resource("random-f32.gguf"), arena);
            Gguf q = Gguf.read(resource("ggml-quants.gguf"), arena);
            for (Gguf.TensorInfo t : in.tensors()) {
                float[] x = floats(in, t);
                Gguf.TensorInfo qt = find(q, t.name() + "." + type.name().toLowerCase().replace("_k", "_K"));
                byte[] want = q.data(qt).toArray(ValueLayout.JAVA_BYTE);
                byte[] got = new byte[want.length];
                Quants.quantize(type, x, 0, x.length, got, 0);
                assertArrayEquals(want, got, t.name() + " as " + type);
            }
        }
    }
}
