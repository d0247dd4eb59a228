#!/usr/bin/env bash
# Builds what the GPU machine needs into .device/ (ignored by git, carried by the device tool): a jlinked JDK 25
# runtime (xz-compressed: the tree that travels is limited to 64 MiB), the engine jar and its runtime jars, and
# the engine's test classes with JUnit's console launcher so the CUDA tests run there without Maven.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/find-java.sh >/dev/null
mvn -B -q -ntp -pl engine package -DskipTests
mvn -B -q -ntp -pl engine test-compile
rm -rf .device/engine .device/tests && mkdir -p .device/engine .device/tests
cp engine/target/glm-engine.jar .device/engine/
cp -r engine/target/lib .device/engine/lib
rsync -am --include='*/' --include='*.class' --exclude='*' engine/target/test-classes/ .device/tests/classes/
mvn -B -q -ntp dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.14.1 -DoutputDirectory=.device/tests
mvn -B -q -ntp -pl engine dependency:build-classpath -Dmdep.outputFile=/tmp/engine-test-cp.txt -Dmdep.includeScope=test
tr ':' '\n' < /tmp/engine-test-cp.txt | grep -E 'jqwik|opentest4j|apiguardian' | xargs -r -I{} cp {} .device/tests/
[ -f .device/jre.tar.xz ] || { rm -rf /tmp/glm-jre && "$JAVA_HOME/bin/jlink" --add-modules java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.sql,jdk.incubator.vector,jdk.unsupported \
  --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output /tmp/glm-jre 2>/dev/null
tar cJf .device/jre.tar.xz -C /tmp glm-jre; }
du -sh .device
