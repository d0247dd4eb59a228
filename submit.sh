#!/usr/bin/env bash
# ./submit.sh [CONF.yaml] [flags]  runs the glm-spark job.
#   no arguments:            conf/default.yaml in local mode
#   ./submit.sh CONF [...]   any configuration, with flags/overrides (--model --dataset --output --n
#                            --max-new-tokens --seed --format --master --conf key=value)
#   --files F[,F]            passed to spark-submit, not to the job: files shipped to every executor's working
#                            folder before it starts, e.g. --files conf/gpu-discovery.sh on YARN (docs/gpu.md)
# Local mode (no SPARK_HOME, no --master): Spark runs from the Maven jars through
# org.apache.spark.deploy.SparkSubmit in one JVM with the engine's and Spark's JVM flags.
# With SPARK_HOME set or --master given: $SPARK_HOME/bin/spark-submit with the shaded application jar
# spark-job/target/glm-spark-job-all.jar and the executors' JVM options.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
source "$here/bin/find-java.sh"

args=()
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --files) [ $# -ge 2 ] || { echo "submit: --files needs a value" >&2; exit 2; }; files=(--files "$2"); shift 2 ;;
    --files=*) files=(--files "${1#--files=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -eq 0 ] && args=(conf/default.yaml)
master=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --master) master="${args[$((i + 1))]:-}" ;;
    --master=*) master="${args[$i]#--master=}" ;;
  esac
done

# JVM flags from the parent pom (one source of truth): engine.jvm.args and spark.jvm.args.
pom_prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$here/pom.xml" | head -n1; }
jvm_flags="$(pom_prop engine.jvm.args) $(pom_prop spark.jvm.args)"

jar="$here/spark-job/target/glm-spark-job.jar"
shaded="$here/spark-job/target/glm-spark-job-all.jar"
if [ ! -f "$shaded" ] || [ -n "$(find "$here/engine/src/main" "$here/spark-job/src/main" "$here/engine/pom.xml" \
      "$here/spark-job/pom.xml" "$here/pom.xml" -newer "$shaded" -print -quit 2>/dev/null)" ]; then
  echo "submit: building engine and spark-job (mvn package)..." >&2
  mvn -B -q -ntp -pl spark-job -am package -DskipTests >&2
fi

log4j="-Dlog4j2.configurationFile=file:$here/conf/log4j2.properties"

if [ -n "${SPARK_HOME:-}" ]; then
  submit=("$SPARK_HOME/bin/spark-submit")
else
  # Spark from the Maven jars: the classpath of spark-job including provided scope, cached until the poms change.
  cp_file="$here/spark-job/target/classpath.txt"
  if [ ! -s "$cp_file" ] || [ "$here/spark-job/pom.xml" -nt "$cp_file" ] || [ "$here/pom.xml" -nt "$cp_file" ]; then
    echo "submit: resolving the Spark classpath (mvn dependency:build-classpath)..." >&2
    mvn -B -q -ntp -pl spark-job -am dependency:build-classpath -Dmdep.includeScope=provided \
      -Dmdep.outputFile="$cp_file" >&2
  fi
  export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
  # shellcheck disable=SC2206
  submit=("$JAVA_HOME/bin/java" $jvm_flags -Xss4m ${GLM_JAVA_OPTS:-} "$log4j"
          -cp "$jar:$here/engine/target/glm-engine.jar:$(cat "$cp_file")" org.apache.spark.deploy.SparkSubmit)
fi

if [ -n "${SPARK_HOME:-}" ] || [ -n "$master" ]; then
  # A real cluster (or SPARK_HOME's local mode): ship the shaded application jar; executors get the JVM flags.
  exec "${submit[@]}" --class glmspark.job.GlmSparkJob \
    ${master:+--master "$master"} \
    --conf "spark.driver.extraJavaOptions=$jvm_flags $log4j" \
    --conf "spark.executor.extraJavaOptions=$jvm_flags" \
    --conf spark.speculation=false \
    ${files[@]+"${files[@]}"} \
    "$shaded" "${args[@]}"
fi

# Local mode in this JVM: the classes are already on the classpath.
exec "${submit[@]}" --master "local[*]" --class glmspark.job.GlmSparkJob \
  --conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false ${files[@]+"${files[@]}"} \
  spark-internal "${args[@]}" 2> >(grep --line-buffered -v 'WARNING: Using incubator modules' >&2)
