#!/usr/bin/env bash
# Whole-process comparison of Limn with CPython 3 and Lua 5.4 on the sequential twins
# (src/main/limn, src/main/python, src/main/lua): B1 100M counting loop, B2 fib(32) and
# fib(35), B3 Mandelbrot 600x400. Each program's output is checked first, then hyperfine
# times RUNS runs (start-up included). Compare ratios within one run: the machine is noisy.
#
# Usage: runtime-bench/peers.sh [B1|B2|B2_35|B3 ...]     (default: all)
#   RUNS=5  timed runs per cell          needs: hyperfine, python3, lua5.4 (apt-get install)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-5}
src=$here/src/main

declare -A file=([B1]=b1_loop [B2]=b2_fib [B2_35]=b2_fib35 [B3]=b3_mandel)
declare -A expect=([B1]=4999999950000000 [B2]=2178309 [B2_35]=9227465 [B3]=13428357)
selected=("$@")
[[ ${#selected[@]} -gt 0 ]] || selected=(B1 B2 B2_35 B3)

"$root/limn" version >/dev/null   # builds the runtime once, outside the timings
for b in "${selected[@]}"; do
    name=${file[$b]}
    cmds=("$root/limn run $src/limn/$name.lm")
    command -v python3 >/dev/null && cmds+=("python3 $src/python/$name.py")
    command -v lua5.4 >/dev/null && cmds+=("lua5.4 $src/lua/$name.lua")
    for c in "${cmds[@]}"; do
        got=$($c)
        [[ "$got" == "${expect[$b]}" ]] || { echo "$b: '$c' printed '$got', expected ${expect[$b]}" >&2; exit 1; }
    done
    echo "== $b ($name)"
    hyperfine -N --runs "$runs" --warmup 1 --style basic "${cmds[@]}" 2>&1 | grep -E 'Benchmark|Time|±|faster|than' || true
done
