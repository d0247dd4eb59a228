# Sourced by ./glm, ./submit.sh and ./test.sh: finds a JDK 25 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is 25+, then the usual install folders.
glm_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
glm_find_java() {
  local c
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
           /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/jdk-25* /opt/java/openjdk /usr/local/jdk-25* \
           "$HOME"/.sdkman/candidates/java/25* /Library/Java/JavaVirtualMachines/*25*/Contents/Home \
           "$(dirname "$0")/.jdk"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] || continue
    local v; v=$(glm_java_major "$c")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then export JAVA_HOME="$c"; return 0; fi
  done
  echo "error: glm-spark needs a JDK 25 (Vector API, FFM). None found in JAVA_HOME or the usual folders." >&2
  echo "       Install Temurin 25 (https://adoptium.net) and set JAVA_HOME to it." >&2
  return 1
}
glm_find_java
export PATH="$JAVA_HOME/bin:$PATH"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
