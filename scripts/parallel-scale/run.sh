#!/usr/bin/env bash
# B6 (the sum of (i*i) % 7) under parallel(cores=N) beside N Java threads, in one JVM, in
# steady state: for each N, a runtime with N carriers runs the program WARM times, then REPS
# timed times, and Java's threads do the same sum as often. Needs the CLI jar
# (./mvnw -q package -pl runtime-core -am -DskipTests).
#
#   scripts/parallel-scale/run.sh BLOCKS WARM REPS PIN N...
#   e.g. scripts/parallel-scale/run.sh 4000 2 5 false 1 2 4 8 16   # 400M in blocks of 100,000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/scripts/find-jdk.sh"
jar="$root/runtime-core/target/runtime-core-0.1.0-SNAPSHOT-cli.jar"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
"$(dirname "$LIMN_JAVA")/javac" -cp "$jar" -d "$classes" "$here/ScaleHarness.java"
read -r -a flags < "$root/runtime-core/target/jvm.flags"
"$LIMN_JAVA" "${flags[@]}" -cp "$jar:$classes" ScaleHarness "$@"
