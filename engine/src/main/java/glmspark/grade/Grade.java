package glmspark.grade;

/** The result of grading one answer: the extracted final answer (null when none was found) and its verdict. */
public record Grade(String extracted, boolean correct) {}
