#!/usr/bin/env bash
# `parallelkit run` against GNU parallel and xargs, side by side on one machine:
#   start-up        `run true ::: 1`, median of 100 (target <= 5 ms)
#   per job         2000 x `true` with 2 jobs at once, per job (target <= xargs -P2 -n1; --quick: 500)
#   sleeps          200 x `sleep 0.01` with 8 jobs at once (target <= 0.30 s; ideal 0.25 s)
#   --bar memory    peak resident memory over 1,000,000 input lines (target <= 20 MB)
# Timings are hyperfine medians. parallelkit is the release build linked as one static
# executable (`-Xswiftc -static-executable`, the way to ship a command-line tool: nothing to
# load at start-up); the start-up row also shows the default, dynamically linked release build.
#
# Usage: Benchmarks/compare-run.sh [--quick] [--no-bar] [--json]
#   --quick: fewer runs, 500 `true` jobs, and 100,000 lines for the --bar row instead of 1,000,000 (the full
#   row runs a million jobs: about ten minutes on 2 cores; GNU parallel's is cut off at 60 s).
#   --no-bar: leave out the --bar memory row.
#   --json: one JSON line per tool and timed row (the keys of `parallelkit bench --json`:
#   workload run-startup, run-true (the N x true) or run-sleeps; variant parallelkit-run,
#   gnu-parallel or xargs; seconds the median per invocation) instead of the table.
# PARALLELKIT=path runs that binary in every row and builds nothing (Benchmarks/compare sets it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
quick=0 bar=1 json=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-bar) bar=0 ;;
        --json) json=1 ;;
        *) sed -n '/^# Usage/,/^set -e/p' "$0" | sed '$d' >&2; exit 2 ;;
    esac
done

missing=()
command -v parallel >/dev/null 2>&1 || missing+=(parallel)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}..." >&2
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"

if [ -n "${PARALLELKIT:-}" ]; then
    pk=$PARALLELKIT pk_dynamic=$PARALLELKIT
else
    echo "building parallelkit (release: static executable, and the default dynamic build)..." >&2
    (cd "$root" && swift build -c release --product parallelkit -Xswiftc -static-executable \
        --scratch-path .build/static-exe >/dev/null 2>&1)
    (cd "$root" && swift build -c release --product parallelkit >/dev/null)
    pk="$root/.build/static-exe/release/parallelkit"
    pk_dynamic="$root/.build/release/parallelkit"
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
true_jobs=2000
[ $quick = 1 ] && true_jobs=500
seq $true_jobs > "$out/n2000"
seq 200 > "$out/n200"
lines=1000000
[ $quick = 1 ] && lines=100000
seq $lines > "$out/lines"
runs_fast=100; runs_jobs=5; runs_gnu=3
[ $quick = 1 ] && { runs_fast=30; runs_jobs=3; runs_gnu=1; }

median() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
bench() { # name runs command
    hyperfine -N --warmup 2 --runs "$2" --export-json "$out/$1.json" "$3" >/dev/null 2>&1 ||
        hyperfine --warmup 2 --runs "$2" --export-json "$out/$1.json" "$3" >/dev/null
    median "$out/$1.json"
}
bench_shell() { # name runs command (needs a shell: redirections)
    hyperfine --warmup 1 --runs "$2" --export-json "$out/$1.json" "$3" >/dev/null
    median "$out/$1.json"
}

echo "start-up..." >&2
start_pk=$(bench start-pk $runs_fast "$pk run true ::: 1")
start_dyn=$(bench start-dyn $runs_fast "$pk_dynamic run true ::: 1")
start_gnu=$(bench start-gnu 10 "parallel --will-cite true ::: 1")
start_xargs=$(bench_shell start-xargs $runs_fast "echo 1 | xargs true")

echo "$true_jobs x true, 2 at once..." >&2
jobs_pk=$(bench_shell jobs-pk $runs_jobs "$pk run -j2 true < $out/n2000")
jobs_gnu=$(bench_shell jobs-gnu $runs_gnu "parallel --will-cite -j2 true < $out/n2000")
jobs_xargs=$(bench_shell jobs-xargs $runs_jobs "xargs -P2 -n1 true < $out/n2000")

echo "200 x sleep 0.01, 8 at once..." >&2
sleep_pk=$(bench_shell sleep-pk $runs_jobs "$pk run -j8 -N0 sleep 0.01 < $out/n200")
sleep_gnu=$(bench_shell sleep-gnu $runs_gnu "parallel --will-cite -j8 -N0 sleep 0.01 < $out/n200")
sleep_xargs=$(bench_shell sleep-xargs $runs_jobs "xargs -P8 -I{} sleep 0.01 < $out/n200")

if [ $json = 1 ]; then
    row() { # workload variant items seconds
        printf '{"workload":"%s","variant":"%s","workers":%s,"items":%s,"seconds":%s}\n' "$1" "$2" "$3" "$4" "$5"
    }
    row run-startup parallelkit-run 1 1 "$start_pk"
    row run-startup gnu-parallel 1 1 "$start_gnu"
    row run-startup xargs 1 1 "$start_xargs"
    for tool in pk gnu xargs; do
        variant=$(case $tool in pk) echo parallelkit-run ;; gnu) echo gnu-parallel ;; *) echo xargs ;; esac)
        jobs_var=jobs_$tool sleep_var=sleep_$tool
        row run-true "$variant" 2 $true_jobs "${!jobs_var}"
        row run-sleeps "$variant" 8 200 "${!sleep_var}"
    done
fi

bar_pk_kb=0 bar_pk_s=0 bar_gnu_kb=0 bar_gnu_s=0
if [ $bar = 1 ]; then
    echo "--bar over $lines lines (peak resident memory)..." >&2
    /usr/bin/time -f "%M %e" -o "$out/bar-pk" "$pk" run --bar -j2 true < "$out/lines" 2>/dev/null
    set +e
    /usr/bin/time -f "%M %e" -o "$out/bar-gnu" timeout 60 parallel --will-cite --bar -j2 true < "$out/lines" >/dev/null 2>&1
    set -e
    read -r bar_pk_kb bar_pk_s < <(tail -1 "$out/bar-pk")
    read -r bar_gnu_kb bar_gnu_s < <(tail -1 "$out/bar-gnu")
    [ $json = 0 ] || printf '{"workload":"run-bar-memory","variant":"%s","workers":2,"items":%s,"seconds":%s,"peak_rss_bytes":%s}\n' \
        parallelkit-run "$lines" "$bar_pk_s" "$((bar_pk_kb * 1024))" gnu-parallel "$lines" "$bar_gnu_s" "$((bar_gnu_kb * 1024))"
fi
[ $json = 0 ] || exit 0

python3 - "$start_pk" "$start_dyn" "$start_gnu" "$start_xargs" "$jobs_pk" "$jobs_gnu" "$jobs_xargs" \
    "$sleep_pk" "$sleep_gnu" "$sleep_xargs" "$bar_pk_kb" "$bar_pk_s" "$bar_gnu_kb" "$bar_gnu_s" "$lines" "$true_jobs" <<'PY'
import sys
v = [float(x) for x in sys.argv[1:]]
(start_pk, start_dyn, start_gnu, start_xargs, jobs_pk, jobs_gnu, jobs_xargs,
 sleep_pk, sleep_gnu, sleep_xargs, bar_pk_kb, bar_pk_s, bar_gnu_kb, bar_gnu_s, lines, true_jobs) = v
per_job = 1000 / true_jobs
def ok(good): return "met" if good else "MISSED"
print(f'{"row":<34} {"parallelkit":>12} {"GNU parallel":>13} {"xargs":>9}  target')
print(f'{"start-up, run true ::: 1 (ms)":<34} {start_pk*1e3:>12.2f} {start_gnu*1e3:>13.1f} {start_xargs*1e3:>9.2f}  <= 5 ms: {ok(start_pk <= 0.005)}')
print(f'{"  dynamically linked build (ms)":<34} {start_dyn*1e3:>12.2f}')
print(f'{"%d x true -j2, per job (ms)" % true_jobs:<34} {jobs_pk*per_job:>12.3f} {jobs_gnu*per_job:>13.3f} {jobs_xargs*per_job:>9.3f}  <= xargs: {ok(jobs_pk <= jobs_xargs)}')
print(f'{"200 x sleep 0.01 -j8 (s)":<34} {sleep_pk:>12.3f} {sleep_gnu:>13.3f} {sleep_xargs:>9.3f}  <= 0.30 s: {ok(sleep_pk <= 0.30)}')
gnu_note = " (cut off at 60 s)" if bar_gnu_s >= 59 else ""
if bar_pk_s > 0:
    print(f'{"--bar, %d lines, peak RSS (MB)" % lines:<34} {bar_pk_kb/1024:>12.1f} {bar_gnu_kb/1024:>13.1f} {"-":>9}  <= 20 MB: {ok(bar_pk_kb/1024 <= 20)}')
    print(f'{"  wall time (s)":<34} {bar_pk_s:>12.1f} {bar_gnu_s:>13.1f}{gnu_note}')
PY
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
