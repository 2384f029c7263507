#!/usr/bin/env bash
# Runs every jcstress test in runtime-stress's jar (all packages: offheap, sched, block, vm, api, ...) and
# exits non-zero when any test fails, errors, or no test ran.
#
#   runtime-stress/run.sh quick [jcstress options]   what `./mvnw verify` runs (CI)
#   runtime-stress/run.sh full  [jcstress options]   the thorough run, before a release
#   runtime-stress/run.sh programs                   only the stress programs (below)
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
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-quick}
shift || true

source "$root/scripts/find-jdk.sh"

jar="$here/target/jcstress.jar"
flags_file="$here/target/jvm.flags"
if [ "$mode" != programs ] && { [ ! -f "$jar" ] || [ ! -f "$flags_file" ]; }; then
    echo "building $jar" >&2
    (cd "$root" && ./mvnw -q -B package -pl runtime-stress -am -DskipTests -Dlimn.stress.skip=true)
fi
[ "$mode" != programs ] && flags=$(cat "$flags_file")

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

case "$mode" in
    quick) args=(-m sanity -jvmArgs "$flags") ;;
    full)  args=(-m default -jvmArgsPrepend "$flags") ;;
    programs) run_programs; exit $? ;;
    *) echo "usage: $0 quick|full|programs [jcstress options]" >&2; exit 2 ;;
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
