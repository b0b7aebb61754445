#!/usr/bin/env bash
# ParallelKit's ThreadPool against Python's concurrent.futures.ThreadPoolExecutor, in one run:
# seed 003's 16 sleeps, submit round trips, and a 1M-item ordered map.
#
# Usage: Benchmarks/compare-python-threads.sh [--repetitions N] [--quick]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# PARALLELKIT: a parallelkit binary to use instead of building the release one (Benchmarks/compare sets it).
pk=${PARALLELKIT:-$root/.build/release/parallelkit}
[ -n "${PARALLELKIT:-}" ] || (cd "$root" && swift build -c release --product parallelkit >/dev/null)
python3 "$here/peers/python/threadpool_peer.py" "$@"
"$pk" bench --json "$@" \
    --workload sleep-16 --workload submit-roundtrip --workload stream-throughput \
    | grep -v '"variant":"serial"' | grep -v cooperative | grep -v task-spawn
