package glmspark.score;

import java.util.SortedMap;

/**
 * Scores of one group of prompts: a whole dataset (subject and level null), or one subject or one level of it.
 *
 * @param prompts          number of distinct prompts n
 * @param samplesPerPrompt k, the smallest number of samples any prompt has (all prompts normally have the same)
 * @param samples          total samples in the group
 * @param pass1            mean over prompts of the fraction of correct samples (= avg@k, the mean over all samples when k is uniform)
 * @param pass1StdErr      standard error of pass1 over prompts: sample standard deviation of per-prompt accuracy / sqrt(n)
 * @param pass1Ci95Low     2.5th percentile of pass1 over bootstrap resamples of prompts
 * @param pass1Ci95High    97.5th percentile of the same
 * @param majK             maj@k (cons@k): fraction of prompts whose most frequent equivalent answer is correct
 * @param passAtK          unbiased pass@k (Chen et al. 2021) for k = 1, 2, 4, ... up to samplesPerPrompt
 * @param errors           samples whose generation failed
 * @param unclosedReasoning samples whose reasoning block never closed
 * @param lengthFinished   samples stopped by max_new_tokens (finish_reason = length)
 * @param meanReasoningTokens mean reasoning tokens per sample
 * @param meanAnswerTokens mean visible-answer tokens per sample
 */
public record GroupScore(String dataset, String subject, String level, int prompts, int samplesPerPrompt, int samples,
                         double pass1, double pass1StdErr, double pass1Ci95Low, double pass1Ci95High, double majK,
                         SortedMap<Integer, Double> passAtK, int errors, int unclosedReasoning, int lengthFinished,
                         double meanReasoningTokens, double meanAnswerTokens) {
}
