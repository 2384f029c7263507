#!/usr/bin/env bash
# Runs the conformance corpus in one JVM, ROUNDS times with each carrier count of CORES
# (comma-separated), and prints every run that departs from its program's expectations, with
# its output (native-tests' dev.limn.conformance.Hunt). For rare schedule-dependent failures:
# more carriers than cores, and thousands of runs, make a one-in-a-thousand race show up in
# minutes. Exits 1 when any run failed.
#   scripts/hunt.sh ROUNDS CORES [tier=off|auto|always] [PATH...]
#   e.g. scripts/hunt.sh 100 3,8                  the whole corpus, 3 and 8 carriers
#        scripts/hunt.sh 2000 3 concurrent/stream_mode_bounded_output.lm
# PATHs are relative to native-tests/src/test/resources/native.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { sed -n '2,10p' "$0" >&2; exit 2; }
rounds=$1 cores=$2
shift 2
tier=()
if [[ ${1:-} == tier=* ]]; then
    tier=("$1")
    shift
fi
root=native-tests/src/test/resources/native
paths=()
for p in "$@"; do
    paths+=("$root/$p")
done
source scripts/find-jdk.sh
./mvnw -q test-compile -pl native-tests -am >&2
read -r -a flags < runtime-core/target/jvm.flags
exec "$LIMN_JAVA" "${flags[@]}" \
    -cp "native-tests/target/test-classes:runtime-core/target/classes:$(cat runtime-core/target/runtime.classpath)" \
    dev.limn.conformance.Hunt "$rounds" "$cores" "${tier[@]}" "$root" "${paths[@]}"
