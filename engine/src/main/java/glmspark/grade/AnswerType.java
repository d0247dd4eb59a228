package glmspark.grade;

/** How a benchmark's final answer is extracted and compared. */
public enum AnswerType {
    /** LaTeX answers, normally in \boxed{} (AIME, MATH-500). */
    MATH,
    /** A number, GSM8K-style: #### N, a box, an answer phrase, else the last number of the text. */
    NUMBER,
    /** An option letter A-J. */
    CHOICE,
    /** Free text compared after case/whitespace normalisation. */
    TEXT
}
