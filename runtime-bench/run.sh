#!/usr/bin/env bash
# Runs a selection of Limn's JMH benchmarks with the GC profiler (allocation per operation is
# part of every result), building the benchmarks jar first if it is missing.
#
#   runtime-bench/run.sh PATTERN [JMH options]
#   e.g. runtime-bench/run.sh 'offheap.SlabAllocatorBench' -f 1 -wi 3 -w 1s -i 5 -r 1s
#
# PATTERN is JMH's regexp over benchmark names; later options override the defaults below.
# Forks get the parent POM's JVM flags (target/jvm.flags) through -jvmArgsPrepend, so a
# benchmark's own @Fork(jvmArgsAppend = ...) still applies. See README.md for methodology.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ $# -lt 1 ]; then
    echo "usage: $0 PATTERN [JMH options]" >&2
    exit 2
fi
pattern=$1
shift

source "$root/scripts/find-jdk.sh"

jar="$here/target/benchmarks.jar"
flags_file="$here/target/jvm.flags"
if [ ! -f "$jar" ] || [ ! -f "$flags_file" ]; then
    echo "building $jar" >&2
    (cd "$root" && ./mvnw -q -B package -pl runtime-bench -am -DskipTests)
fi

exec "$LIMN_JAVA" -jar "$jar" "$pattern" -prof gc -jvmArgsPrepend "$(cat "$flags_file")" "$@"
