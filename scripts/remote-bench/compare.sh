#!/usr/bin/env bash
# One run of the 5M-int remote-channel benchmark (pub.lm -> sub.lm) with the Limn checkout
# TREE, over aeron:ipc (one shared driver in a fresh /dev/shm directory, started by the
# subscriber) or udp (a driver per process, loopback); prints the subscriber's line.
# Alternate two trees to compare them in one sitting (docs/benchmarks.md):
#   for i in 1 2 3; do scripts/remote-bench/compare.sh /tmp/limn-base ipc; scripts/remote-bench/compare.sh . ipc; done
set -euo pipefail
tree=$(cd "$1" && pwd)
mode=${2:-ipc}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ $mode == ipc ]]; then
    dir=/dev/shm/limn-bench-$$
    "$tree/limn" run --aeron-dir "$dir" "$here/sub.lm" > "$work/sub.out" 2>&1 &
    sub=$!
    while [[ ! -f $dir/cnc.dat ]]; do sleep 0.05; done
    sleep 0.5
    "$tree/limn" run --aeron-dir "$dir" "$here/pub.lm" > "$work/pub.out" 2>&1
else
    uri='aeron:udp?endpoint=127.0.0.1:40777'
    sed "s#\"aeron:ipc\"#\"$uri\"#" "$here/sub.lm" > "$work/sub.lm"
    sed "s#\"aeron:ipc\"#\"$uri\"#" "$here/pub.lm" > "$work/pub.lm"
    "$tree/limn" run "$work/sub.lm" > "$work/sub.out" 2>&1 &
    sub=$!
    sleep 1.5
    "$tree/limn" run "$work/pub.lm" > "$work/pub.out" 2>&1
fi
wait "$sub"
echo "$(basename "$tree") $mode: $(tr '\n' ' ' < "$work/sub.out")"
