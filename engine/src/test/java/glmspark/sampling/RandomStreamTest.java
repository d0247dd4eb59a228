package glmspark.sampling;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RandomStreamTest {

    /** Known-answer vectors of Philox4x32-10 from Random123's kat_vectors file. */
    @Test
    void philoxMatchesRandom123KnownAnswers() {
        int[] out = new int[4];
        RandomStream.philox4x32(0, 0, 0, 0, 0, 0, out);
        assertArrayEquals(new int[]{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
        RandomStream.philox4x32(-1, -1, -1, -1, -1, -1, out);
        assertArrayEquals(new int[]{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, out);
        RandomStream.philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
        assertArrayEquals(new int[]{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, out);
    }

    @Test
    void uniformsLieInTheUnitIntervalWithTheRightMoments() {
        int n = 200_000;
        double sum = 0, sumSq = 0, min = 1, max = 0;
        int[] bins = new int[10];
        for (int t = 0; t < n; t++) {
            double u = RandomStream.uniform(0xDEADBEEFL, t % 7, t);
            assertTrue(u >= 0 && u < 1, "u = " + u);
            sum += u;
            sumSq += u * u;
            min = Math.min(min, u);
            max = Math.max(max, u);
            bins[(int) (u * 10)]++;
        }
        assertEquals(0.5, sum / n, 0.005);
        assertEquals(1.0 / 12, sumSq / n - (sum / n) * (sum / n), 0.002);
        for (int b : bins) assertEquals(n / 10.0, b, 5 * Math.sqrt(n / 10.0));
        assertTrue(min < 1e-4 && max > 1 - 1e-4);
    }
}
