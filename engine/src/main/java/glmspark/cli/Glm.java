package glmspark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./glm}: the engine's command line. Each subcommand reads JSONL and writes JSONL to stdout. */
@Command(name = "glm", mixinStandardHelpOptions = true, version = "glm-spark engine 0.1.0",
        description = "GLM-4-0414 / GLM-Z1-0414 inference engine",
        subcommands = {
                LogitsCommand.class,
                QuantizeCommand.class,
                GenerateCommand.class,
                ChatTemplateCommand.class,
                BenchCommand.class,
                CudaBenchCommand.class,
                MakeBenchModelCommand.class,
                GradeCommand.class,
                TokenizeCommand.class,
                SoakCommand.class,
        })
public final class Glm implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Glm())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                    if (System.getenv("GLM_DEBUG") != null) ex.printStackTrace(cmd.getErr());
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }
}
