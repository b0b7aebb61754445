#!/usr/bin/env bash
# The full-disk drill of issue 13.6: parallelkit run and GNU parallel, side by side, on a small
# full tmpfs under --joblog, --results, --tmpdir (output spilled) and standard output (a full
# tmpfs, then /dev/full). For each case and runner it prints the exit status, the first line of
# standard error, and counts of jobs:
#   logged      jobs the joblog calls done (exit 0, signal 0; the joblog itself is on a disk
#               with room, except in the --joblog case)
#   complete    jobs whose output arrived whole (every line, in the file it belongs in)
#   lost        jobs whose output is missing or short
#   bad         jobs the joblog calls done whose output is not whole (must be 0: such a job
#               would be skipped by --resume)
# Every job prints `seq -f '{}-%g' K`, so each job's lines can be counted wherever they land.
#
# Usage (root: it mounts tmpfs): Benchmarks/drill-full-disk.sh
#   PK=path/to/parallelkit (default: the debug build, built if missing)
#   GNU=path/to/parallel   (default: parallel on PATH; apt-get install parallel)
#   RUNNERS="parallelkit"  (default "parallelkit gnu")
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [ "$(id -u)" != 0 ]; then echo "drill-full-disk: needs root to mount a tmpfs" >&2; exit 2; fi
if [ -z "${PK:-}" ]; then
    (cd "$root" && swift build --product parallelkit >/dev/null) || exit 2
    PK="$(cd "$root" && swift build --show-bin-path)/parallelkit"
fi
GNU=${GNU:-$(command -v parallel || true)}
work=$(mktemp -d)        # a disk with room: outputs and joblogs of the cases that do not fill them
full="$work/full"        # the small tmpfs
mkdir "$full"
cleanup() { umount "$full" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mountfull() {  # a fresh tmpfs of $1 KiB
    umount "$full" 2>/dev/null
    mount -t tmpfs -o "size=${1}k" tmpfs "$full" || { echo "drill-full-disk: mount failed" >&2; exit 2; }
}

# runner NAME ARGS… : runs parallelkit run or GNU parallel
runner() {
    local name=$1; shift
    if [ "$name" = parallelkit ]; then "$PK" run "$@"; else "$GNU" "$@"; fi
}

# count K FILES… : per job, how many of its K lines are present; prints "seq count" lines
count() {
    local k=$1; shift
    cat "$@" 2>/dev/null | awk -v k="$k" '/^[0-9]+-[0-9]+$/ { split($0, p, "-"); c[p[1]]++ }
        END { for (s in c) print s, c[s] }'
}

# report CASE RUNNER STATUS JOBS K COUNTSFILE JOBLOG
report() {
    local case=$1 name=$2 status=$3 jobs=$4 k=$5 counts=$6 joblog=$7
    local first complete logged bad
    first=$(head -n1 "$work/err" | cut -c1-110)
    complete=$(awk -v k="$k" '$2 == k' "$counts" | wc -l)
    awk -F'\t' 'NR > 1 && NF >= 9 && $7 == 0 && $8 == 0 { print $1 }' "$joblog" 2>/dev/null | sort -u > "$work/logged"
    logged=$(wc -l < "$work/logged")
    bad=$(awk -v k="$k" 'FILENAME == ARGV[1] { c[$1] = $2; next } c[$1] != k' "$counts" "$work/logged" | wc -l)
    printf '%-9s %-11s %6s %5s %6s %8s %5s %4s  %s\n' "$case" "$name" "$status" "$jobs" "$logged" "$complete" \
        $((jobs - complete)) "$bad" "${first:-(nothing)}"
}

printf '%-9s %-11s %6s %5s %6s %8s %5s %4s  %s\n' case runner status jobs logged complete lost bad \
    "stderr, first line"
for name in ${RUNNERS:-parallelkit gnu}; do
    if [ "$name" = gnu ] && [ -z "$GNU" ]; then echo "(GNU parallel not installed: apt-get install parallel)"; break; fi
    cd "$work" || exit 2

    # --joblog on a full tmpfs: 1000 one-line jobs, the log gets 8 KiB.
    mountfull 64; head -c $((56 * 1024)) /dev/zero > "$full/filler"
    runner $name -j2 --joblog "$full/log" "seq -f '{}-%g' 1" ::: $(seq 1000) > "$work/out" 2> "$work/err"
    status=$?; count 1 "$work/out" > "$work/counts"
    report joblog $name $status 1000 1 "$work/counts" "$full/log"

    # --results DIR on a 64 KiB tmpfs: 200 jobs of 100 lines (about 600 bytes).
    mountfull 64
    runner $name -j2 --joblog "$work/log" --results "$full/res" "seq -f '{}-%g' 100" ::: $(seq 200) \
        > /dev/null 2> "$work/err"
    status=$?
    for dir in "$full"/res/1/*/; do
        [ -f "$dir/stdout" ] && count 100 "$dir/stdout"
    done > "$work/counts"
    report results $name $status 200 100 "$work/counts" "$work/log"
    rm -f "$work/log"

    # --tmpdir on a 64 KiB tmpfs: 6 jobs of 200,000 lines (1.6 MB each: more than a job keeps in
    # memory, so parallelkit spills; GNU buffers every job's output in --tmpdir).
    mountfull 64
    runner $name -j2 --joblog "$work/log" --tmpdir "$full" "seq -f '{}-%g' 200000" ::: $(seq 6) \
        > "$work/out" 2> "$work/err"
    status=$?; count 200000 "$work/out" > "$work/counts"
    report tmpdir $name $status 6 200000 "$work/counts" "$work/log"
    rm -f "$work/log" "$work/out"

    # standard output to a file on a 64 KiB tmpfs: 30 jobs of 1000 lines (about 6.9 KB each).
    mountfull 64
    runner $name -j2 --joblog "$work/log" "seq -f '{}-%g' 1000" ::: $(seq 30) > "$full/out" 2> "$work/err"
    status=$?; count 1000 "$full/out" > "$work/counts"
    report stdout $name $status 30 1000 "$work/counts" "$work/log"
    rm -f "$work/log"

    # standard output to /dev/full: nothing can be written; nothing may be logged.
    runner $name -j2 --joblog "$work/log" "seq -f '{}-%g' 1000" ::: $(seq 30) > /dev/full 2> "$work/err"
    status=$?; : > "$work/counts"
    report devfull $name $status 30 1000 "$work/counts" "$work/log"
    rm -f "$work/log"
done
