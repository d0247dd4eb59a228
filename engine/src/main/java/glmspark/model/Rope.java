package glmspark.model;

import glmspark.format.ModelConfig;

/**
 * GLM-4's rotary position embedding: applied to the first {@code rotaryDim} dimensions of each head
 * (partial_rotary_factor 0.5), rotating interleaved pairs (2i, 2i+1); the rest of the head passes through.
 * With static YaRN the inverse frequencies are blended between interpolation and extrapolation, and cos/sin
 * are multiplied by the attention factor (so q.k gains its square), exactly as transformers computes them.
 */
public final class Rope {

    private final int rotaryDim;
    private final float[] invFreq;
    private final float attentionScaling;

    public Rope(ModelConfig c) {
        this.rotaryDim = c.rotaryDim();
        int half = rotaryDim / 2;
        double base = c.ropeTheta();
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) inv[i] = (float) (1.0 / Math.pow(base, (float) (2 * i) / rotaryDim));
        ModelConfig.Yarn y = c.yarn();
        if (y == null) {
            invFreq = inv;
            attentionScaling = 1.0f;
            return;
        }
        double factor = y.factor();
        double attn;
        if (y.attentionFactor() != null) attn = y.attentionFactor();
        else if (y.mscale() != null && y.mscaleAllDim() != null && y.mscale() != 0 && y.mscaleAllDim() != 0)
            attn = mscale(factor, y.mscale()) / mscale(factor, y.mscaleAllDim());
        else attn = mscale(factor, 1);
        double low = correctionDim(y.betaFast(), rotaryDim, base, y.originalMaxPositionEmbeddings());
        double high = correctionDim(y.betaSlow(), rotaryDim, base, y.originalMaxPositionEmbeddings());
        if (y.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, rotaryDim - 1);
        if (low == high) high += 0.001;
        float[] blended = new float[half];
        for (int i = 0; i < half; i++) {
            float posFreq = (float) Math.pow(base, (float) (2 * i) / rotaryDim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = (float) (1.0 / (factor * posFreq));
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float extrapolationFactor = 1 - ramp;
            blended[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        invFreq = blended;
        attentionScaling = (float) attn;
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }

    private static double correctionDim(double rotations, int dim, double base, int maxPos) {
        return (dim * Math.log(maxPos / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
    }

    public float[] invFreq() {
        return invFreq.clone();
    }

    public float attentionScaling() {
        return attentionScaling;
    }

    /** Rotates {@code heads} heads of {@code headDim} values at {@code x[off ...]} for position {@code pos}. */
    public void apply(float[] x, int off, int heads, int headDim, int pos) {
        int half = rotaryDim / 2;
        for (int i = 0; i < half; i++) {
            float angle = (float) pos * invFreq[i];
            float cos = (float) Math.cos(angle) * attentionScaling;
            float sin = (float) Math.sin(angle) * attentionScaling;
            for (int h = 0; h < heads; h++) {
                int p = off + h * headDim + 2 * i;
                float a = x[p], b = x[p + 1];
                x[p] = a * cos - b * sin;
                x[p + 1] = b * cos + a * sin;
            }
        }
    }
}
