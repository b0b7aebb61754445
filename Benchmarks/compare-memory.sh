#!/usr/bin/env bash
# Memory against joblib.Memory, in one run (issue 17's targets):
#   memory-cache   warm-hit: one call of a cached function on a small input that has an entry
#                  (target ≤ 50 µs); hash-100mb: the key of a 100 MB [Double] (target ≥ 1 GB/s);
#                  each beside joblib's (joblib.Memory's cached call, joblib.hash of a float64 array)
#   memory-resume  a map of 1,000,000 cheap items with the memory as checkpoint: one uninterrupted
#                  run, then a run killed with SIGKILL at a random point and resumed. The resumed
#                  run's time against the whole run's scaled by the items left (target within 10%),
#                  and the items computed twice against those computed but not committed at the
#                  kill (the batch in flight). Each computed item appends its index to a counter
#                  file before it returns, so the count survives the kill. Then once more over
#                  the complete directory (all-cached): what a served item costs beside a
#                  computed one.
# Prints JSON lines with the keys of `parallelkit bench --json` rows. Needs `pip install joblib numpy`.
#
# Usage: Benchmarks/compare-memory.sh [--rounds N] [--items N] [--bench PATH]
#   --bench PATH: a ParallelKitMemoryBench built elsewhere (another commit, for A/B runs); no build
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=5 items=1000000 bench=
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=${2:?}; shift ;;
        --items) items=${2:?}; shift ;;
        --bench) bench=${2:?}; shift ;;
        *) sed -n '/^# Usage/,/^set -e/p' "$0" | sed '$d' >&2; exit 2 ;;
    esac
    shift
done
python3 -c 'import joblib, numpy' 2>/dev/null || { echo "needs joblib and numpy: pip install joblib numpy" >&2; exit 2; }
if [ -z "$bench" ]; then
    (cd "$root" && swift build -c release --product ParallelKitMemoryBench >/dev/null)
    bench="$root/.build/release/ParallelKitMemoryBench"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bench" cache "$work/swift-cache" "$rounds"
python3 "$here/peers/python/memory_peer.py" "$work/joblib-cache" "$rounds"
python3 - "$bench" "$work" "$items" <<'PY'
import json, os, random, subprocess, sys, time
bench, work, items = sys.argv[1], sys.argv[2], int(sys.argv[3])

def run(directory, counter):
    child = subprocess.Popen([bench, "resume", directory, counter, str(items)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "ready\n"
    return child

def computed(counter):
    return os.path.getsize(counter) // 4 if os.path.exists(counter) else 0

whole = run(f"{work}/whole", f"{work}/whole.count")
total, whole_seconds = whole.stdout.read().split()
whole.wait()
whole_seconds = float(whole_seconds)

killed = run(f"{work}/resumed", f"{work}/resumed.count")
delay = random.uniform(0.2, 0.8) * whole_seconds
time.sleep(delay)
killed.kill()
killed.wait()
before = computed(f"{work}/resumed.count")
committed = int(subprocess.run([bench, "entries", f"{work}/resumed"], capture_output=True, text=True).stdout)
resumed = run(f"{work}/resumed", f"{work}/resumed.count")
resumed_total, resumed_seconds = resumed.stdout.read().split()
resumed.wait()
resumed_seconds = float(resumed_seconds)
assert resumed_total == total, (resumed_total, total)
left = items - committed
expected = whole_seconds * left / items
twice = computed(f"{work}/resumed.count") - items
# Once more over the directory, now complete: every item a hit. Its time against the whole run's
# says what a served item costs beside a computed one (the resumed run pays it for every item
# committed at the kill).
cached = run(f"{work}/resumed", f"{work}/cached.count")
cached_total, cached_seconds = cached.stdout.read().split()
cached.wait()
cached_seconds = float(cached_seconds)
assert cached_total == total and computed(f"{work}/cached.count") == 0
print(json.dumps({"workload": "memory-resume", "variant": "whole", "workers": os.cpu_count(), "items": items,
                  "seconds": whole_seconds, "items_per_second": items / whole_seconds}))
print(json.dumps({"workload": "memory-resume", "variant": "resumed", "workers": os.cpu_count(), "items": left,
                  "seconds": resumed_seconds, "items_per_second": left / resumed_seconds if resumed_seconds else 0,
                  "kill_after_seconds": delay, "committed_at_kill": committed, "computed_at_kill": before,
                  "uncommitted_at_kill": before - committed, "computed_twice": twice,
                  "expected_seconds": expected, "time_ratio": resumed_seconds / expected if expected else 0}))
print(json.dumps({"workload": "memory-resume", "variant": "all-cached", "workers": os.cpu_count(), "items": items,
                  "seconds": cached_seconds, "items_per_second": items / cached_seconds,
                  "microseconds_per_item": cached_seconds / items * 1e6,
                  "whole_microseconds_per_item": whole_seconds / items * 1e6}))
PY
