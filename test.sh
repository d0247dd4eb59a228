#!/usr/bin/env bash
# The project's test command: builds both modules and runs the default test suite on JDK 25.
set -euo pipefail
cd "$(dirname "$0")"
source ./bin/find-java.sh
exec mvn -B -ntp verify "$@"
