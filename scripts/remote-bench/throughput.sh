#!/usr/bin/env bash
# Throughput of remote channels beside raw Aeron and a local channel(1024), in one sitting
# (docs/benchmarks.md, "Remote channels"): ROUNDS rounds, each running, one after the other,
# Limn's sub.lm/pub.lm pair over aeron:ipc, raw Aeron's pair (RawAeronIpc.java), and local.lm.
# Each line is one run's seconds for 5M ints, from the first item received to the last.
#   scripts/remote-bench/throughput.sh [ROUNDS]      (after ./mvnw -q install -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
source scripts/remote-bench/common.sh

for ((r = 1; r <= rounds; r++)); do
    dir=/dev/shm/limn-bench-$$
    ./limn run --aeron-dir "$dir" $bench/sub.lm > /tmp/limn-bench-sub.$$ &
    sub=$!
    wait_for "$dir"
    ./limn run --aeron-dir "$dir" ${STATS:+--stats} $bench/pub.lm
    wait $sub
    awk -v r=$r '{ printf "round %d limn  %.3f s  (%s)\n", r, $(NF-4) / 1e9, $0 }' /tmp/limn-bench-sub.$$
    rm -rf "$dir" /tmp/limn-bench-sub.$$

    dir=/dev/shm/raw-bench-$$
    "$java" "${flags[@]}" -cp $jar $bench/RawAeronIpc.java sub "$dir" 5000000 > /tmp/raw-bench-sub.$$ &
    sub=$!
    wait_for "$dir"
    "$java" "${flags[@]}" -cp $jar $bench/RawAeronIpc.java pub "$dir" 5000000
    wait $sub
    awk -v r=$r '{ printf "round %d raw   %.3f s  (%s)\n", r, $(NF-1), $0 }' /tmp/raw-bench-sub.$$
    rm -rf "$dir" /tmp/raw-bench-sub.$$

    ./limn run $bench/local.lm | awk -v r=$r '{ printf "round %d local %.3f s  (%s)\n", r, $(NF-1) / 1e9, $0 }'
done
