#!/usr/bin/env bash
# Is a new build of parallelkit slower than an old one? Runs the `parallelkit bench` rows and a
# few `parallelkit run` rows of both builds alternately, round by round: old, new, then old again
# ("old2": the very same binary). Each bench row's time is its `seconds` (`bench --json`, one
# repetition a round); each run row's is the wall time of the command (start-up rows: the median
# of several calls a round). Per row it reports the median over the rounds of old and of new,
# new/old, the spread |median old2 - median old| / median old (how far the same binary moved in
# this very run), and the band: the larger of that spread and its 95th percentile when old's and
# old2's samples are redrawn from their pool (one pair of medians can agree by luck; the band
# does not). A row is SLOWER when new/old - 1 > max(3%, band); "noisy" when it is not, but the
# band is over 3%: that row could hide a 3% slow-down (rerun on a quieter machine, or read its
# instruction counts with --callgrind); "ok" when the band is at most 3% and new/old at most 1.03.
# A full run (11 rounds) measures for about 40 minutes on 2 cores (one round of every workload took
# 222 s at load 2, Dec 2026), plus a build of each revision; --rounds 3 gives a quicker, noisier verdict.
#
# Usage: Benchmarks/compare-builds.sh [--rounds N] [--quick] [--static] [--callgrind] [--json FILE] OLD NEW
#   OLD, NEW     git revisions (each checked out in a worktree under a temp dir and built with
#                `swift build -c release --product parallelkit`), or prebuilt parallelkit executables
#   --rounds N   rounds (default 11; the issue asks for at least 11)
#   --quick      small bench inputs and fewer runs: a smoke test of the script, not a verdict
#   --static     build with -Xswiftc -static-executable, as compare-run.sh measures parallelkit run
#   --callgrind  also count instructions (valgrind) of the CPU-bound rows: old, new, old2 once each
#   --json FILE  write the results as JSON too (row keys as in `bench --json`: workload, variant, ...)
# Exit status: 0 when no row is SLOWER, 1 when one is, 2 on a usage, build or run error.
# Built executables are kept by commit in ${PK_COMPARE_CACHE:-/tmp/parallelkit-compare}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=11 quick=0 static=0 callgrind=0 json="" revs=()
usage() { sed -n '/^# Usage/,/^# Built/p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=${2:?}; shift ;;
        --quick) quick=1 ;;
        --static) static=1 ;;
        --callgrind) callgrind=1 ;;
        --json) json=${2:?}; shift ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) revs+=("$1") ;;
    esac
    shift
done
[ ${#revs[@]} -eq 2 ] && [ "$rounds" -ge 1 ] 2>/dev/null || usage
tmp=$(mktemp -d)
cleanup() { for d in "$tmp"/src-*; do [ -d "$d" ] && git -C "$root" worktree remove --force "$d"; done; rm -rf "$tmp"; }
trap cleanup EXIT
cache=${PK_COMPARE_CACHE:-/tmp/parallelkit-compare}

# Prints the path of an executable for $1: itself if it is one, else a release build of that revision.
binary_for() {
    if [ -f "$1" ] && [ -x "$1" ]; then realpath "$1"; return; fi
    local sha flags=() key
    sha=$(git -C "$root" rev-parse --verify --quiet "$1^{commit}") || { echo "not a revision or executable: $1" >&2; exit 2; }
    key=$sha; [ $static = 1 ] && { key=$sha-static; flags=(-Xswiftc -static-executable); }
    if [ ! -x "$cache/$key/parallelkit" ]; then
        echo "building $1 ($sha) in release mode..." >&2
        git -C "$root" worktree add --detach --quiet "$tmp/src-$key" "$sha"
        (cd "$tmp/src-$key" && swift build -c release --product parallelkit ${flags[@]+"${flags[@]}"} \
            --scratch-path "$tmp/build-$key" >"$tmp/build-$key.log" 2>&1) ||
            { tail -20 "$tmp/build-$key.log" >&2; exit 2; }
        mkdir -p "$cache/$key"
        cp "$tmp/build-$key/release/parallelkit" "$cache/$key/parallelkit"
        git -C "$root" worktree remove --force "$tmp/src-$key"
    fi
    echo "$cache/$key/parallelkit"
}
old=$(binary_for "${revs[0]}")
new=$(binary_for "${revs[1]}")
seq 200 > "$tmp/n200"; seq 500 > "$tmp/n500"; seq 2000 > "$tmp/n2000"; seq 100000 > "$tmp/n100000"

python3 - "$old" "$new" "$rounds" "$quick" "$callgrind" "$json" "$tmp" "${revs[@]}" <<'PY'
import json, os, random, statistics, subprocess, sys, time
old, new, rounds, quick, callgrind, json_path, tmp, old_rev, new_rev = sys.argv[1:]
rounds, quick, callgrind = int(rounds), quick == "1", callgrind == "1"
builds = {"old": old, "new": new, "old2": old}   # run in this order, every round
# Every workload of `bench --list`; these run with --quick even in a full run (their full inputs
# take 4 to 17 s a call: sleeps, 1M-10M streamed items, 2000 x 1 ms tasks).
QUICK_INPUTS = {"sleep-16", "stream-throughput", "cpu-task", "pool-memory"}
calls = 5 if quick else 20   # calls a round of each start-up row
jobs = "n500" if quick else "n2000"
# `parallelkit run` rows: variant, workers, items, arguments, stdin, calls a round (median of them).
RUN_ROWS = [("start-up: true ::: 1", 1, 1, ["true", ":::", "1"], None, calls),
            ("start-up: --dry-run true ::: 1", 1, 1, ["--dry-run", "true", ":::", "1"], None, calls),
            ("--dry-run echo {} x100000", 1, 100000, ["--dry-run", "echo", "{}"], "n100000", 1),
            ("true x%s -j2" % jobs[1:], 2, int(jobs[1:]), ["-j2", "true"], jobs, 1),
            ("sleep 0.01 x200 -j8", 8, 200, ["-j8", "-N0", "sleep", "0.01"], "n200", 1)]

def call(args, stdin=None, check=True):
    with open(os.path.join(tmp, stdin) if stdin else os.devnull) as source:
        done = subprocess.run(args, stdin=source, capture_output=True, text=True)
    if check and done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return done

listed = {who: [l.split(":")[0] for l in call([builds[who], "bench", "--list"]).stdout.splitlines()] for who in ("old", "new")}
workloads = [w for w in listed["old"] if w in listed["new"]]
notes = [f"workload {w} is not in both builds: skipped" for w in set(listed["old"]) ^ set(listed["new"])]

def bench_args(w):
    return ["bench", "--json", "--repetitions", "1", "--workload", w] + (["--quick"] if quick or w in QUICK_INPUTS else [])

samples = {who: {} for who in builds}   # who -> row key -> [seconds]
meta = {}                                # row key -> the bench-style keys of the row
started = time.monotonic()
for round_ in range(1, rounds + 1):
    print(f"round {round_}/{rounds} ({time.monotonic() - started:.0f} s so far)...", file=sys.stderr)
    for w in workloads:
        for who, binary in builds.items():
            for line in call([binary] + bench_args(w)).stdout.splitlines():
                row = json.loads(line)
                key = ("bench", row["workload"], row["variant"])
                meta.setdefault(key, {k: row[k] for k in ("workload", "variant", "workers", "items")})
                samples[who].setdefault(key, []).append(row["seconds"])
    for variant, workers, items, args, stdin, n in RUN_ROWS:
        key = ("run", "run", variant)
        meta[key] = {"workload": "run", "variant": variant, "workers": workers, "items": items}
        for who, binary in builds.items():
            times = []
            for _ in range(n):
                start = time.perf_counter_ns()
                call([binary, "run"] + args, stdin)
                times.append((time.perf_counter_ns() - start) / 1e9)
            samples[who].setdefault(key, []).append(statistics.median(times))
elapsed = time.monotonic() - started

rng = random.Random(12)
def resampled_spread(a, b, draws=1000):
    """The 95th percentile of |median old2 - median old| / median old had old and old2 been drawn
    again from their pooled samples: the spread one pair of medians shows, made a bound."""
    pool, centre, md = a + b, statistics.median(a), statistics.median
    spreads = sorted(abs(md(rng.choices(pool, k=len(a))) - md(rng.choices(pool, k=len(b)))) for _ in range(draws))
    return spreads[int(0.95 * draws)] / centre

def verdict(old_value, new_value, old2_value, resampled=0.0):
    ratio = new_value / old_value
    spread = abs(old2_value - old_value) / old_value
    band = max(spread, resampled)
    mark = "SLOWER" if ratio - 1 > max(0.03, band) else "noisy" if band > 0.03 else "ok"
    return {"ratio": ratio, "spread": spread, "band": band, "verdict": mark}

rows = []
for key in meta:
    if not all(key in samples[who] for who in builds):
        notes.append(f"row {key[1]}/{key[2]} is in one build only: not compared")
        continue
    medians = {who: statistics.median(samples[who][key]) for who in builds}
    rows.append({**meta[key], **{who: {"seconds": medians[who], "samples": samples[who][key]} for who in builds},
                 **verdict(medians["old"], medians["new"], medians["old2"],
                           resampled_spread(samples["old"][key], samples["old2"][key]))})

# Instruction counts: deterministic where the clock is not. valgrind 3.19 stops on DWARF 5, so
# each build is counted from a copy without debug info; rows valgrind cannot run are noted.
CG_ROWS = [("run", "--dry-run echo {} x100000", ["run", "--dry-run", "echo", "{}"], "n100000"),
           ("run", "start-up: --dry-run true ::: 1", ["run", "--dry-run", "true", ":::", "1"], None)] + [
          (w, "all variants, --quick --workers 1", ["bench", "--quick", "--repetitions", "1", "--workers", "1",
           "--workload", w], None) for w in ("costly-map", "imbalanced", "count-in-range") if w in workloads]
counted = []
if callgrind:
    stripped = {}
    for who, binary in (("old", old), ("new", new)):
        stripped[who] = os.path.join(tmp, f"{who}-nodebug")
        subprocess.run(["objcopy", "--strip-debug", binary, stripped[who]], check=True)
    stripped["old2"] = stripped["old"]
    for workload, variant, args, stdin in CG_ROWS:
        counts = {}
        for who in builds:
            out = os.path.join(tmp, "callgrind.out")
            done = call(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", stripped[who]] + args,
                        stdin, check=False)
            lines = open(out).read().splitlines() if done.returncode == 0 and os.path.exists(out) else []
            totals = [int(l.split()[1]) for l in lines if l.startswith(("summary:", "totals:"))]
            if not totals:
                break
            counts[who] = totals[0]
            os.remove(out)
        if len(counts) < 3:
            notes.append(f"callgrind {workload}/{variant}: valgrind could not run it (exit {done.returncode})")
            continue
        counted.append({"workload": workload, "variant": variant, **{who: {"instructions": counts[who]} for who in builds},
                        **verdict(counts["old"], counts["new"], counts["old2"])})

def shown(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.4g} {unit}"
    return f"{seconds / 1e-9:.4g} ns"
def table(title, entries, value, form):
    print(f"{title:<48} {'old':>11} {'new':>11} {'new/old':>8} {'spread':>7} {'band':>7}  verdict")
    for e in entries:
        print(f"{e['workload'] + '/' + e['variant']:<48} {form(e['old'][value]):>11} {form(e['new'][value]):>11} "
              f"{e['ratio']:>8.3f} {e['spread']:>7.1%} {e['band']:>7.1%}  {e['verdict']}")
print(f"old: {old_rev} ({old})\nnew: {new_rev} ({new})\n{rounds} rounds of old, new, old2 in {elapsed:.0f} s; "
      f"medians of the rounds; SLOWER when new/old - 1 > max(3%, band); noisy: not SLOWER, but the band\n"
      f"is over 3%, so this run cannot tell a 3% slow-down from noise in that row")
table("row (median seconds)", rows, "seconds", shown)
if counted:
    table("callgrind row (instructions)", counted, "instructions", str)
for note in notes:
    print("note:", note)
load = open("/proc/loadavg").read().split()[:3]
print(f"machine: {os.cpu_count()} cores; load average at the end: {' '.join(load)}")
slower = [e for e in rows + counted if e["verdict"] == "SLOWER"]
if json_path:
    with open(json_path, "w") as f:
        json.dump({"old": {"revision": old_rev, "binary": old}, "new": {"revision": new_rev, "binary": new},
                   "rounds": rounds, "quick": quick, "seconds_elapsed": elapsed, "rows": rows,
                   "callgrind": counted, "notes": notes, "slower": len(slower)}, f, indent=1)
sys.exit(1 if slower else 0)
PY
