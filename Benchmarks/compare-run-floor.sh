#!/usr/bin/env bash
# The `200 × sleep 0.01 -j8` row of compare-run.sh against its floor, in one run: parallelkit
# run (static build), xargs -P8, and a 25-line C runner that only posix_spawns and waits
# (Benchmarks/peers/c/spawn_floor.c). Prints hyperfine medians; repeat it to see the spread.
#
# Usage: Benchmarks/compare-run-floor.sh [RUNS]   (default 20)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${1:-20}
(cd "$root" && swift build -c release --product parallelkit -Xswiftc -static-executable \
    --scratch-path .build/static-exe >/dev/null 2>&1)
pk="$root/.build/static-exe/release/parallelkit"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/spawn_floor" "$here/peers/c/spawn_floor.c"
seq 200 > "$out/n200"
sleep_path=$(command -v sleep)
hyperfine --warmup 2 --runs "$runs" --export-json "$out/floor.json" \
    "$pk run -j8 -N0 sleep 0.01 < $out/n200" \
    "xargs -P8 -I{} sleep 0.01 < $out/n200" \
    "$out/spawn_floor 200 8 $sleep_path 0.01" >/dev/null
python3 - "$out/floor.json" <<'PY'
import json, sys
names = ["parallelkit run", "xargs -P8", "C floor (posix_spawn + wait)"]
for name, result in zip(names, json.load(open(sys.argv[1]))["results"]):
    print(f"{name:<30} median {result['median']:.4f} s  (min {result['min']:.4f}, max {result['max']:.4f})")
PY
