#!/usr/bin/env bash
# `shared-sum` against its floor, in one run: ParallelKit's rows (serial, per-element atomic
# adds, local sum plus one add) next to two C processes forked once and woken by a pipe write,
# which is the least any library can pay for the two-process hand-off on this machine.
#
# Usage: Benchmarks/compare-shared-sum.sh [--repetitions N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
(cd "$root" && swift build -c release --product parallelkit >/dev/null)
floor=$(mktemp)
trap 'rm -f "$floor"' EXIT
cc -O3 -o "$floor" "$here/peers/c/two_process_floor.c"
for _ in 1 2 3; do
    "$root/.build/release/parallelkit" bench --workload shared-sum "$@" | tail -n 3
    "$floor"
done
