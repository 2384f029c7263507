#!/usr/bin/env bash
# Runs every jcstress test in runtime-stress's jar (all packages: offheap, sched, block, vm, api, ...) and
# exits non-zero when any test fails, errors, or no test ran.
#
#   runtime-stress/run.sh quick [jcstress options]   what `./mvnw verify` runs (CI)
#   runtime-stress/run.sh full  [jcstress options]   the thorough run, before a release
#   runtime-stress/run.sh programs                   only the stress programs (below)
#   runtime-stress/run.sh soak [MINUTES]             the soak program (below; not in CI), default 10
#   e.g. runtime-stress/run.sh quick -t Slab         only tests matching a regexp
#
# After jcstress, quick and full run the stress programs of src/main/limn through the `limn`
# CLI with --stats: each must print what its `// expect:` lines say, exit 0, and end with
# every live count at 0 (tasks, slab blocks, atomic cells, open channels). stress_100k.lm
# runs 100,000 tasks and 1,000 channels in one program (a few seconds); stress_family.lm churns
# task families (detaches, sleeps, a stop while many tasks are parked); stress_strategies.lm
# churns Retry, Auto, timeouts with grace and async calls with all/any/with_timeout.
#
# Budget. CI has ~4 minutes on 2 cores for this. jcstress 0.16 costs about 6 s per
# two-actor test in `-m sanity` and about 30 s in `-m quick` when it runs every JVM
# configuration it detects (interpreter, C1, C2, split compilation...). So:
#   quick = `-m sanity` in ONE JVM configuration (`-jvmArgs` switches auto-detection off):
#           a few seconds per test: 35 tests took about 2 minutes of CPU (user+sys, their
#           JVMs included) and 1 to 2 minutes of wall time on 2 busy cores, the stress programs
#           below a few seconds more; the 4 host-channel tests (package api) add about
#           20 s. It catches broken protocols, not rare reorderings.
#   full  = `-m default` over every auto-detected JVM configuration: many minutes per test;
#           this is the run that catches the rare interleavings.
# Both pass the parent POM's JVM flags (target/jvm.flags, written by the build) to the
# forked VMs, and use the JDK 25 found the way every Limn script finds it.
#
# Soak. src/main/limn/soak/soak.lm runs a pipeline (Retry with 1% of items failing, timeouts,
# async calls) round after round for MINUTES, printing a progress line every 10 s; this script
# samples the process's RSS (VmRSS) every 10 s meanwhile, then prints the series (start, max,
# end), the program's last line (throughput) and its --stats. It fails when the program fails,
# reports a bad round, or ends with a live count other than 0; whether RSS stayed flat is for
# the reader of the series (the JVM's heap grows to its working size in the first minute).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-quick}
shift || true

source "$root/scripts/find-jdk.sh"

jar="$here/target/jcstress.jar"
flags_file="$here/target/jvm.flags"
jcstress_mode() { [ "$mode" = quick ] || [ "$mode" = full ]; }
if jcstress_mode && { [ ! -f "$jar" ] || [ ! -f "$flags_file" ]; }; then
    echo "building $jar" >&2
    (cd "$root" && ./mvnw -q -B package -pl runtime-stress -am -DskipTests -Dlimn.stress.skip=true)
fi
jcstress_mode && flags=$(cat "$flags_file")

# Runs each stress program and checks its output, exit status and live counts.
run_programs() {
    local failed=0 program expected out err
    for program in "$here"/src/main/limn/*.lm; do
        expected=$(sed -n 's|.*// expect: \(.*\)$|\1|p' "$program")
        err=$(mktemp)
        if ! out=$("$root/limn" run --stats "$program" 2>"$err"); then
            echo "stress program $program failed:" >&2
            cat "$err" >&2
            failed=1
        elif [ "$out" != "$expected" ]; then
            echo "stress program $program printed «$out», expected «$expected»" >&2
            failed=1
        else
            for count in "live tasks 0" "slab blocks live 0" "atomic cells live 0" "channels open 0"; do
                if ! grep -q "$count\b" "$err"; then
                    echo "stress program $program: stats lack «$count»:" >&2
                    cat "$err" >&2
                    failed=1
                fi
            done
        fi
        [ "$failed" -eq 0 ] && echo "stress program $(basename "$program"): ok ($(grep -o 'tasks started [0-9]*' "$err"))"
        rm -f "$err"
    done
    return "$failed"
}

# Runs the soak program for $1 minutes (default 10), sampling its RSS every 10 s.
run_soak() {
    local minutes=${1:-10} seconds dir program out stats pid status=0 elapsed rss
    local -a series=()
    if ! seconds=$(awk -v m="$minutes" 'BEGIN { if (m !~ /^[0-9]+([.][0-9]+)?$/ || m * 60 < 1) exit 1; print int(m * 60) }'); then
        echo "soak: MINUTES must be a number >= 1/60, got «$minutes»" >&2
        return 2
    fi
    mkdir -p "$here/target"
    dir=$(mktemp -d "$here/target/soak.XXXXXX")
    program="$dir/soak.lm"
    out="$dir/out.txt"
    stats="$dir/stats.txt"
    sed "s/^var seconds = [0-9]*;/var seconds = $seconds;/" "$here/src/main/limn/soak/soak.lm" >"$program"
    if ! grep -q "^var seconds = $seconds;" "$program"; then
        echo "soak: soak.lm has no line «var seconds = N;» to set" >&2
        return 2
    fi
    "$root/limn" --version >/dev/null   # builds the CLI first, so that the PID below is the program's JVM
    echo "soak: $minutes min ($seconds s), RSS every 10 s; program output in $out"
    "$root/limn" run --stats "$program" >"$out" 2>"$stats" &
    pid=$!
    elapsed=0
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        elapsed=$((elapsed + 1))
        if [ $((elapsed % 10)) -eq 0 ] && rss=$(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$pid/status" 2>/dev/null) \
                && [ -n "$rss" ]; then
            series+=("$rss")
            echo "rss: ${elapsed} s ${rss} MiB | $(tail -n 1 "$out")"
        fi
    done
    wait "$pid" || status=$?
    echo "rss MiB every 10 s: ${series[*]:-none}"
    if [ "${#series[@]}" -gt 0 ]; then
        printf '%s\n' "${series[@]}" | awk '{ if (NR == 1) first = $1; if ($1 > max) max = $1; last = $1 }
            END { printf "rss: start %d MiB, max %d MiB, end %d MiB (%d samples)\n", first, max, last, NR }'
    fi
    tail -n 1 "$out"
    cat "$stats"
    if [ "$status" -ne 0 ]; then
        echo "soak: the program exited with status $status" >&2
        return 1
    fi
    if ! tail -n 1 "$out" | grep -q 'bad rounds 0$'; then
        echo "soak: the program reported bad rounds (see $out)" >&2
        status=1
    fi
    for count in "live tasks 0" "slab blocks live 0" "atomic cells live 0" "channels open 0"; do
        if ! grep -q "$count\b" "$stats"; then
            echo "soak: stats lack «$count»" >&2
            status=1
        fi
    done
    return "$status"
}

case "$mode" in
    quick) args=(-m sanity -jvmArgs "$flags") ;;
    full)  args=(-m default -jvmArgsPrepend "$flags") ;;
    programs) run_programs; exit $? ;;
    soak) run_soak "$@"; exit $? ;;
    *) echo "usage: $0 quick|full|programs [jcstress options] | soak [MINUTES]" >&2; exit 2 ;;
esac

results="$here/target/jcstress-results-$mode"
log="$results.log"
mkdir -p "$results"
cd "$here/target"
# The host VM only lists and schedules tests; the forks get the flags through args.
"$LIMN_JAVA" -jar "$jar" "${args[@]}" -r "$results" "$@" 2>&1 | tee "$log"

# jcstress exits 0 whatever the outcome: judge its summary.
if ! grep -q 'RUN RESULTS:' "$log"; then
    echo "jcstress did not finish; see $log" >&2
    exit 1
fi
if grep -q 'No tests to run\|Total tests: 0\b' "$log"; then
    echo "jcstress ran no test" >&2
    exit 1
fi
status=0
for kind in Failed Error; do
    if ! grep -q "$kind tests: No matches" "$log"; then
        echo "jcstress: $kind tests present; report in $results/index.html" >&2
        status=1
    fi
done
[ "$status" -eq 0 ] && echo "jcstress $mode: all tests passed (report: $results/index.html)"
run_programs || status=1
exit "$status"
