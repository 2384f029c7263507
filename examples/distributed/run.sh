#!/usr/bin/env bash
# Runs the distributed example on loopback: two worker processes and a coordinator, each a
# `limn run` with a media driver of its own, talking over UDP on 127.0.0.1:40500-40502.
set -euo pipefail
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
limn="$here/../../limn"
"$limn" run "$here/worker-1.lm" & w1=$!
"$limn" run "$here/worker-2.lm" & w2=$!
"$limn" run "$here/coordinator.lm"
wait "$w1" "$w2"
