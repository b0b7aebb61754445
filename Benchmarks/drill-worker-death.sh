#!/usr/bin/env bash
# The worker-death drills of issue 13 (findings 2 and 3), against their targets:
#   orphan-shell     a task runs `system("sleep 60 & ...")` and its worker exits with status 3: the
#                    batch fails < 100 ms after the exit; the child is gone once the pool has ended
#   orphan-socket    the same with a child that holds the worker's socket itself (descriptor 3
#                    passed on, as after a fork without exec): only the worker's pidfd can tell
#   crash-initializer  pools of 2 workers whose initializer calls fatalError (Swift's crash
#                    reporter, swift-backtrace, runs in each): every creation fails < 1 s after the
#                    first worker's exit (an upper bound: the last time a watcher thread saw a
#                    worker running), no process of the drill's session is left, and
#                    `drill | cat` ends
# Each drill is `ParallelKitTestWorker <drill> <runs>` (Sources/ParallelKitTestWorker/DeathDrills.swift),
# which prints one line per run and exits non-zero when a run missed its target. The timings
# are each measured inside one run; other load on the machine lengthens them (say so).
#
# Usage: Benchmarks/drill-worker-death.sh [--runs N] [--crash-runs N] [--debug]
#   --runs N        runs of each orphan drill (default 10)
#   --crash-runs N  runs of the crashing-initializer drill (default 20)
#   --debug         use the debug build (default: swift build -c release --product ParallelKitTestWorker)
# Exit status: 0 when every drill met its targets, 1 when one did not, 2 on a usage or build error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=10 crash_runs=20 configuration=release
usage() { sed -n '/^# Usage/,/^# Exit/p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=${2:?}; shift 2 ;;
        --crash-runs) crash_runs=${2:?}; shift 2 ;;
        --debug) configuration=debug; shift ;;
        *) usage ;;
    esac
done
cd "$root"
swift build -c "$configuration" --product ParallelKitTestWorker >&2 || exit 2
worker="$(swift build -c "$configuration" --show-bin-path)/ParallelKitTestWorker"
status=0

for drill in orphan-shell orphan-socket; do
    echo "== $drill, $runs runs (target: batch fails < 100 ms after the exit; 0 children alive after)"
    "$worker" "$drill" "$runs" || status=1
done

echo "== crash-initializer, $crash_runs runs, as \`drill | cat\` in a session of its own"
echo "   (target: each fails < 1 s after the first worker's exit; 0 processes left; the pipe ends)"
crash_log=$(mktemp)
started=$(date +%s.%N)
# `cat` ends only once every holder of the pipe — the drill, its workers, any swift-backtrace —
# has let go: the bound (60 s beyond the drill's own worst case) turns a hang into a failure.
if timeout $((crash_runs * 2 + 60)) bash -c "setsid -w '$worker' crash-initializer '$crash_runs' 2>'$crash_log.err' | cat"; then
    :
else
    echo "crash-initializer: FAILED (a run missed, or \`| cat\` did not end: exit $?)"
    status=1
fi
ended=$(date +%s.%N)
echo "pipeline ended after $(echo "$ended - $started" | bc) s; crash messages reported: $(grep -c 'Fatal error: FatalInitializerTask' "$crash_log.err" || true)"
rm -f "$crash_log" "$crash_log.err"
exit $status
