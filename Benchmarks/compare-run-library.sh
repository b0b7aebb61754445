#!/usr/bin/env bash
# The peers of issue 15's `run-library` row: 2,000 x `true`, two at a time, through
#   parallelkit-run     `parallelkit run -j2 true < 2000 lines` (as compare-run.sh runs it)
#   swift-subprocess    swiftlang/swift-subprocess 1.0 from a task group bounded to two
#                       (Benchmarks/peers/swift-subprocess/SubprocessPeer, the Swift peer),
#                       `true` found on PATH once and run by path: the peer at its best
#   swift-subprocess-by-name  the same with `.name("true")` per job, as its README writes it
#                       (1.0.2 spawns each PATH candidate in turn: one failed spawn per entry
#                       before /usr/bin, per job)
#   xargs               `xargs -P2 -n1 true < 2000 lines`
#   library:clone       the runner as a library: `parallelkit bench --json --repetitions 1
#                       --workload run-library` (CommandRunner.map over 2,000 x ["true"],
#                       workers 2, every status checked), one row per variant the workload prints
# Target: library <= parallelkit-run, library <= swift-subprocess, library <= xargs, judged on
# library:clone, the spawn the library ships (the CLI's); library:posix-spawn is reported beside it.
# --no-by-name leaves out the by-name row (the slowest, by far, where PATH is long).
#
# The rows run alternately, one of each per round, every round in a fresh process; each row's
# `seconds` is its median over the rounds, `min_seconds` its fastest. parallelkit-run,
# swift-subprocess and xargs are timed from outside, as whole processes (start-up included:
# a few milliseconds of a run of about a second); the peer also reports its in-process time as
# `in_process_seconds`. The library row is the bench's own measure (in-process: the bench
# process does other work before it). `speedup` is xargs's median time per job over the row's:
# above 1 is faster than xargs. Only ratios within one run mean anything on a shared machine.
#
# Output: one JSON line per row with the keys of `parallelkit bench --json` rows, then a table.
#
# Usage: Benchmarks/compare-run-library.sh [--rounds N] [--count N] [--quick] [--no-by-name]
#   --rounds N   rounds (default 9; at least 5)      --count N   jobs per run (default 2000)
#   --quick      5 rounds
#   PARALLELKIT=path  use that parallelkit executable instead of building the static release one
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
peer_dir="$here/peers/swift-subprocess/SubprocessPeer"
rounds=9
count=2000
by_name=1
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --count) count=$2; shift 2 ;;
        --quick) rounds=5; shift ;;
        --no-by-name) by_name=0; shift ;;
        *) echo "usage: $0 [--rounds N] [--count N] [--quick] [--no-by-name]" >&2; exit 2 ;;
    esac
done
if [ "$rounds" -lt 5 ]; then echo "--rounds: at least 5, for a median worth reading" >&2; exit 2; fi

echo "building the swift-subprocess peer (release)..." >&2
swift build -c release --package-path "$peer_dir" >/dev/null
peer="$(swift build -c release --package-path "$peer_dir" --show-bin-path)/SubprocessPeer"

if [ -n "${PARALLELKIT:-}" ]; then
    pk=$PARALLELKIT
else
    # The static executable, as compare-run.sh measures it (the way to ship a command-line tool).
    echo "building parallelkit (release, static executable)..." >&2
    (cd "$root" && swift build -c release --product parallelkit -Xswiftc -static-executable \
        --scratch-path .build/static-exe >/dev/null)
    pk="$root/.build/static-exe/release/parallelkit"
fi

# The library row needs a parallelkit with the `run-library` workload (an older PARALLELKIT
# has none: the row is then skipped, and said so).
library=0
if "$pk" bench --list 2>/dev/null | grep -q '^run-library:'; then library=1; fi
[ $library = 1 ] || echo "no run-library workload in '$pk bench --list': the library row is skipped" >&2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seq "$count" > "$out/inputs"

python3 - "$rounds" "$count" "$out/inputs" "$pk" "$peer" "$library" "$by_name" <<'PY'
import json, statistics, subprocess, sys, time

rounds, count, inputs, pk, peer, library, by_name = sys.argv[1:8]
rounds, count, library, by_name = int(rounds), int(count), library == "1", by_name == "1"
workers = 2

def timed(command, stdin_path=None):
    """Wall seconds of one run of `command` (stdin from a file, output discarded), and its stdout."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    start = time.perf_counter()
    done = subprocess.run(command, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if stdin_path:
        stdin.close()
    if done.returncode != 0:
        sys.exit(f"{command[0]} exited {done.returncode}: {done.stderr.decode(errors='replace')[-500:]}")
    return seconds, done.stdout.decode()

def library_row():
    # Every row the workload prints (one per variant: clone, posix-spawn) becomes library:<variant>,
    # timed by the bench itself; its job count is the workload's own (2,000 without --quick).
    _, text = timed([pk, "bench", "--json", "--repetitions", "1", "--workload", "run-library"])
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    for row in rows:
        items[f"library:{row['variant']}"] = row.get("items", count)
    return {f"library:{row['variant']}": row["seconds"] for row in rows}

times = {}          # row -> [seconds]
items = {}          # row -> its job count, where not --count (the library row's own)
inner = {}          # peer row -> [its in-process seconds]
for round_index in range(rounds):
    # Alternate which row goes first, so that no row always follows the same one.
    order = ["parallelkit-run", "swift-subprocess", "xargs"]
    order += (["swift-subprocess-by-name"] if by_name else []) + (["library"] if library else [])
    shift = round_index % len(order)
    for row in order[shift:] + order[:shift]:
        if row == "parallelkit-run":
            seconds, _ = timed([pk, "run", f"-j{workers}", "true"], inputs)
            times.setdefault(row, []).append(seconds)
        elif row == "xargs":
            seconds, _ = timed(["xargs", f"-P{workers}", "-n1", "true"], inputs)
            times.setdefault(row, []).append(seconds)
        elif row.startswith("swift-subprocess"):
            extra = ["--by-name"] if row.endswith("by-name") else []
            seconds, text = timed([peer, "--jobs", str(workers), "--count", str(count)] + extra)
            times.setdefault(row, []).append(seconds)
            inner.setdefault(row, []).append(json.loads(text.strip().splitlines()[-1])["seconds"])
        else:
            for name, seconds in library_row().items():
                times.setdefault(name, []).append(seconds)
    print(f"round {round_index + 1}/{rounds} done", file=sys.stderr)

baseline = statistics.median(times["xargs"]) / count  # per job: the library row may run another count
rows = []
for variant, samples in times.items():
    median = statistics.median(samples)
    jobs = items.get(variant, count)
    row = {
        "workload": "run-library", "variant": variant, "workers": workers, "items": jobs,
        "seconds": median, "speedup": baseline / (median / jobs), "efficiency": baseline / (median / jobs) / workers,
        "items_per_second": jobs / median, "min_seconds": min(samples), "rounds": len(samples),
    }
    if variant in inner:
        row["in_process_seconds"] = statistics.median(inner[variant])
    rows.append(row)
    print(json.dumps(row, separators=(",", ":")))

print(f'\n{"row":<26} {"median s":>9} {"min s":>9} {"per job ms":>11} {"vs xargs":>9}')
for row in rows:
    print(f'{row["variant"]:<26} {row["seconds"]:>9.3f} {row["min_seconds"]:>9.3f} '
          f'{row["seconds"] / row["items"] * 1e3:>11.3f} {row["speedup"]:>8.2f}x')
lib = [r for r in rows if r["variant"].startswith("library")]
if lib:
    per_job = lambda r: r["seconds"] / r["items"] * 1e3
    # The target is the library as it ships (the clone); other variants are reported beside it.
    for row in lib:
        mine = per_job(row)
        shipped = " (as shipped)" if row["variant"] == "library:clone" else " (not the default)"
        for peer_row in ["parallelkit-run", "swift-subprocess", "xargs"]:
            other = next(per_job(r) for r in rows if r["variant"] == peer_row)
            print(f"{row['variant']}{shipped} <= {peer_row}: {'met' if mine <= other else 'MISSED'} ({mine:.3f} vs {other:.3f} ms per job)")
else:
    print("library row: skipped (no run-library workload yet)")
PY
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
