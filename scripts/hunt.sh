#!/usr/bin/env bash
# Runs the conformance corpus in one JVM, ROUNDS times with each carrier count of CORES
# (comma-separated), and prints every run that departs from its program's expectations, with
# its output (native-tests' dev.limn.conformance.Hunt). For rare schedule-dependent failures:
# more carriers than cores, and thousands of runs, make a one-in-a-thousand race show up in
# minutes. Exits 1 when any run failed.
#   scripts/hunt.sh ROUNDS CORES [tier=off|auto|always] [PREFIX...]
#   e.g. scripts/hunt.sh 100 3,8                  the whole corpus, 3 and 8 carriers
#        scripts/hunt.sh 2000 3 concurrent/stream_mode_bounded_output.lm
# PREFIXes narrow it to the programs whose name (below native-tests/src/test/resources/native)
# starts with one of them.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n '2,12p' "$0" >&2; exit 2; }
source scripts/find-jdk.sh
./mvnw -q test-compile -pl native-tests -am >&2
read -r -a flags < runtime-core/target/jvm.flags
exec "$LIMN_JAVA" "${flags[@]}" \
    -cp "native-tests/target/test-classes:runtime-core/target/classes:$(cat runtime-core/target/runtime.classpath)" \
    dev.limn.conformance.Hunt "$@"
