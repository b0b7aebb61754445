#!/usr/bin/env bash
# ParallelKit's ProcessPool against Python's multiprocessing.Pool, in one run: pool start-up,
# apply round trips, seed 000's squares and seed 004's count-in-range through the pool, the same
# rows as starmap arguments (`starmap-struct`: Python's Pool.starmap over (row, 4, 8) tuples,
# ParallelKit's map over a three-field struct) and as bare rows (`map-array`), and 2000 tasks of
# ~1 ms.
#
# Usage: Benchmarks/compare-python-processes.sh [--repetitions N] [--quick]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# PARALLELKIT: a parallelkit binary to use instead of building the release one (Benchmarks/compare sets it).
pk=${PARALLELKIT:-$root/.build/release/parallelkit}
[ -n "${PARALLELKIT:-}" ] || (cd "$root" && swift build -c release --product parallelkit >/dev/null)
python3 "$here/peers/python/pool_peer.py" "$@"
"$pk" bench --json "$@" \
    --workload pool-startup --workload apply-roundtrip --workload squares --workload count-in-range \
    --workload starmap-struct --workload map-array --workload cpu-task \
    | grep -E '"variant":"(serial|process-pool)"'
