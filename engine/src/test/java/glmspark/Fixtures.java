package glmspark;

import com.fasterxml.jackson.databind.JsonNode;
import glmspark.format.DType;
import glmspark.format.TensorData;
import glmspark.quant.Quants;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Paths of the reference fixtures copied into test resources (outputs of Hugging Face transformers), and the
 * helpers the tests read them with.
 */
public final class Fixtures {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Fixtures() {
    }

    /** A float32 reference tensor's values. */
    public static float[] floats(TensorData t) {
        float[] out = new float[(int) t.elements()];
        for (int i = 0; i < out.length; i++) out[i] = t.data().get(F32, 4L * i);
        return out;
    }

    /**
     * A block-quantised tensor dequantised by the scalar reference code into a float32 tensor of the same name and
     * shape: the float model the quantised kernels are checked against.
     */
    public static TensorData dequantized(TensorData t, Arena arena) {
        int n = (int) t.elements();
        float[] w = new float[n];
        Quants.dequantize(t.dtype(), t.data().toArray(ValueLayout.JAVA_BYTE), 0, w, 0, n);
        MemorySegment s = arena.allocate(4L * n);
        MemorySegment.copy(w, 0, s, F32, 0, n);
        return new TensorData(t.name(), DType.F32, t.shape(), s, t.file());
    }

    /** A JSON array of token ids. */
    public static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }

    /** max |got - ref| / max |ref| over the first n values (NaN when got holds a NaN). */
    public static double relativeError(float[] got, float[] ref, int n) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < n; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        return maxDiff / maxRef;
    }

    public static double relativeError(float[] got, float[] ref) {
        return relativeError(got, ref, ref.length);
    }

    public static Path path(String name) {
        URL url = Fixtures.class.getResource("/fixtures/" + name);
        if (url == null) throw new IllegalStateException("test resource fixtures/" + name + " is missing");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
