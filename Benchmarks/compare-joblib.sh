#!/usr/bin/env bash
# Seed 003's joblib program against ParallelKit's Parallel, in one run: function_to_test(i, j)
# (a sleep, then sqrt(i²) + sqrt(j²)) over 30 × 10 pairs with the seed's n_jobs=cpu_count(), as
#   joblib-multiprocessing  Parallel(n_jobs=cpu_count(), backend='multiprocessing') — the seed's call
#   joblib-loky             the same on joblib's default backend, loky
#   parallel-processes      Parallel(jobs: .all, backend: .processes) — a pool made for the call
#   parallel-threadpool     Parallel(jobs: .all, backend: .threadPool)
#   serial                  the plain loop (ParallelKit's), for scale
# Every row is one call timed in a fresh process, rows alternating round by round; joblib's time
# is measured around its Parallel call (its executor start-up included, Python's start-up not),
# ParallelKit's by `parallelkit bench --json --repetitions 1` around its call (pool start-up
# included). Each row's `seconds` is its median over the rounds, `min_seconds` its fastest;
# `speedup` is joblib-multiprocessing's median over the row's. Target: both Parallel rows faster
# than both joblib rows. Needs `pip install joblib`.
#
# Output: one JSON line per row with the keys of `parallelkit bench --json` rows, then a table.
#
# Usage: Benchmarks/compare-joblib.sh [--rounds N] [--sleep-ms N]
#   --rounds N     rounds (default 7)      --sleep-ms N   sleep of one call (default 10, as the issue asks)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=7 sleep_ms=10
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=${2:?}; shift ;;
        --sleep-ms) sleep_ms=${2:?}; shift ;;
        *) sed -n '/^# Usage/,/^set -e/p' "$0" | sed '$d' >&2; exit 2 ;;
    esac
    shift
done
[ "$sleep_ms" = 10 ] || { echo "parallelkit's joblib-30x10 row sleeps 10 ms; --sleep-ms other than 10 is not comparable" >&2; exit 2; }
python3 -c 'import joblib' 2>/dev/null || { echo "joblib is not installed: pip install joblib" >&2; exit 2; }
# PARALLELKIT: a parallelkit binary to use instead of building the release one (Benchmarks/compare sets it).
pk=${PARALLELKIT:-$root/.build/release/parallelkit}
[ -n "${PARALLELKIT:-}" ] || (cd "$root" && swift build -c release --product parallelkit >/dev/null)
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
seconds=$(awk -v ms="$sleep_ms" 'BEGIN { print ms / 1000 }')
for ((round = 0; round < rounds; round++)); do
    python3 "$here/peers/python/joblib_peer.py" multiprocessing "$seconds" >>"$samples"
    "$pk" bench --json --repetitions 1 --workload joblib-30x10 >>"$samples"
    python3 "$here/peers/python/joblib_peer.py" loky "$seconds" >>"$samples"
done
python3 - "$samples" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    row = json.loads(line)
    rows.setdefault(row["variant"], []).append(row)
base = statistics.median(r["seconds"] for r in rows["joblib-multiprocessing"])
order = ["joblib-multiprocessing", "joblib-loky", "parallel-processes", "parallel-threadpool", "serial"]
out = []
for variant in order:
    samples = rows[variant]
    median = statistics.median(r["seconds"] for r in samples)
    out.append({"workload": "joblib-30x10", "variant": variant, "workers": samples[0]["workers"],
                "items": samples[0]["items"], "seconds": median, "min_seconds": min(r["seconds"] for r in samples),
                "speedup": base / median, "rounds": len(samples)})
for row in out:
    print(json.dumps(row))
print(f"{'variant':24} {'workers':>7} {'median s':>10} {'min s':>10} {'vs joblib-mp':>12}")
for row in out:
    print(f"{row['variant']:24} {row['workers']:>7} {row['seconds']:>10.4f} {row['min_seconds']:>10.4f} {row['speedup']:>11.2f}x")
PY
