#!/usr/bin/env bash
# ParallelKit's ProcessPool against Python's multiprocessing.Pool, in one run: pool start-up,
# apply round trips, seed 000's squares and seed 004's count-in-range through the pool, and
# 2000 tasks of ~1 ms.
#
# Usage: Benchmarks/compare-python-processes.sh [--repetitions N] [--quick]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
(cd "$root" && swift build -c release --product parallelkit >/dev/null)
python3 "$here/peers/python/pool_peer.py" "$@"
"$root/.build/release/parallelkit" bench --json "$@" \
    --workload pool-startup --workload apply-roundtrip --workload squares --workload count-in-range --workload cpu-task \
    | grep -E '"variant":"(serial|process-pool)"'
