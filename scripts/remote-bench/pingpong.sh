#!/usr/bin/env bash
# Round-trip latency of remote channels beside raw Aeron, in one sitting (docs/benchmarks.md,
# "Remote channels"): Limn's ping.lm/pong.lm, then raw Aeron's ping-pong with a busy-spinning
# client and with Limn's back-off wait, each over aeron:ipc and UDP on 127.0.0.1; ROUNDS times.
# Busy-spinning clients over UDP starve the driver's thread on two cores (a round trip then
# waits for the scheduler, milliseconds): that case runs a twentieth of the round trips.
#   scripts/remote-bench/pingpong.sh [ROUNDS] [WARMUP] [COUNT]   (after ./mvnw -q install -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-1}
warmup=${2:-20000}
count=${3:-100000}
source scripts/remote-bench/common.sh

for ((r = 1; r <= rounds; r++)); do
    dir=/dev/shm/limn-pingpong-$$
    ping=$(mktemp)
    sed -e "s/^var WARMUP = .*/var WARMUP = $warmup;/" -e "s/^var COUNT = .*/var COUNT = $count;/" $bench/ping.lm > "$ping"
    ./limn run --aeron-dir "$dir" $bench/pong.lm &
    pong=$!
    wait_for "$dir"
    ./limn run --aeron-dir "$dir" "$ping" | sed "s/^/round $r /"
    wait $pong
    rm -rf "$dir" "$ping"
    for run in "spin ipc $warmup $count" "spin udp $((warmup / 20)) $((count / 20))" "backoff both $warmup $count"; do
        read -r idle where w n <<< "$run"
        dir=/dev/shm/raw-pingpong-$$
        "$java" "${flags[@]}" -cp $jar $bench/RawAeronPingPong.java pong "$dir" $idle $where &
        pong=$!
        wait_for "$dir"
        "$java" "${flags[@]}" -cp $jar $bench/RawAeronPingPong.java ping "$dir" $idle $where "$w" "$n" | sed "s/^/round $r /"
        wait $pong
        rm -rf "$dir"
    done
done
