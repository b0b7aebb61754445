#!/usr/bin/env bash
# Fault drill for issue 13.1: a program holding every shared-memory type (SharedArray,
# SharedValue, ProcessLock held, ProcessQueue, a large SharedInputArray), each mapped by a pool
# worker too, is killed by SIGINT, SIGTERM and SIGKILL, RUNS times each. After each death (the
# program's and its worker's) it counts what is left: entries in /dev/shm named for either
# process, and processes still holding one of the program's memfds (descriptors or mappings).
# The target is 0 and 0. It also prints how much shared memory (/proc/meminfo Shmem) the
# program held and how much of it came back after the death (a system-wide figure, so other
# programs on the machine blur it), and the time from the signal until the worker was gone.
#
# Last, Benchmarks/peers/c/segment_costs.c prints what one segment costs to create and attach,
# named (the old design) against memfd (the new), interleaved in one run.
#
# Usage: Benchmarks/drill-shared-memory.sh [test-worker-executable]
#   RUNS (default 10) and INPUT_MB (the SharedInputArray's size, default 128) tune it. Without an
#   argument it builds and uses this checkout's ParallelKitTestWorker (debug). Leftovers in
#   /dev/shm are listed, then removed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
runs=${RUNS:-10}
input_mb=${INPUT_MB:-128}
if [[ $# -ge 1 ]]; then
    worker=$1
else
    (cd "$root" && swift build --product ParallelKitTestWorker >/dev/null)
    worker=$(cd "$root" && swift build --show-bin-path)/ParallelKitTestWorker
fi
scratch=$(mktemp -d)
program=
trap 'rm -rf "$scratch"; [[ -n $program ]] && kill -KILL "$program" 2>/dev/null; true' EXIT
trap 'exit 130' INT TERM
# Job control, and SIGINT at its default (`env --default-signal`, coreutils 8.31+) even when this
# script was started with it ignored: a background job of a script otherwise starts with SIGINT
# ignored, and a Ctrl-C would not reach the program (that is issue 13.7, not this drill).
set -m

shmem_kb() { awk '/^Shmem:/ { print $2 }' /proc/meminfo; }
gone() { # pid: not running (absent, or a zombie)
    local state
    state=$(awk '{ sub(/.*\) /, ""); print substr($0, 1, 1) }' "/proc/$1/stat" 2>/dev/null) || return 0
    [[ -z $state || $state == Z || $state == X ]]
}
memfds_of() { # pid: the names of its ParallelKit memfds
    find "/proc/$1/fd" -maxdepth 1 -type l -printf '%l\n' 2>/dev/null \
        | sed -n 's|^/memfd:\(parallelkit-[0-9a-f]*\) (deleted)$|\1|p' | sort -u
}
holders_of() { # names...: how many descriptors or mappings, in any process, hold one of them
    local pattern count=0 fd_hits map_hits
    pattern=$(printf '/memfd:%s \\|' "$@")
    pattern=${pattern%\\|}
    fd_hits=$(find /proc/[0-9]*/fd -maxdepth 1 -type l -printf '%l\n' 2>/dev/null | grep -c "$pattern" || true)
    map_hits=$(cat /proc/[0-9]*/maps 2>/dev/null | grep -c "$pattern" || true)
    count=$((fd_hits + map_hits))
    echo "$count"
}

printf '%-8s %5s %18s %16s %22s %20s %18s\n' signal runs "/dev/shm leftovers" "memfds held after" "Shmem held (MB, median)" "Shmem back (MB, median)" "gone (ms, median/max)"
total_left=0
total_held=0
for signal in INT TERM KILL; do
    left=0 held=0 holds=() backs=() gones=() worst_ms=0
    for ((run = 1; run <= runs; run++)); do
        before=$(shmem_kb)
        out="$scratch/ready.$signal.$run"
        env --default-signal=INT "$worker" hold-shared $((input_mb << 20)) hold-lock >"$out" &
        program=$!
        for ((wait = 0; wait < 3000; wait++)); do
            grep -q '^ready ' "$out" 2>/dev/null && break
            sleep 0.01
        done
        read -r _ pid child _ <"$out"
        [[ $pid == "$program" ]] || { echo "the holder did not start: $(cat "$out")" >&2; exit 1; }
        mapfile -t names < <(memfds_of "$pid")
        during=$(shmem_kb)
        start=$(date +%s%N)
        kill -s "$signal" "$pid"
        wait "$pid" 2>/dev/null || true
        program=
        for ((wait = 0; wait < 1000; wait++)); do
            gone "$child" && break
            sleep 0.01
        done
        gone_ms=$((($(date +%s%N) - start) / 1000000))
        ((gone_ms > worst_ms)) && worst_ms=$gone_ms
        gones+=("$gone_ms")
        sleep 0.2 # the kernel may put the last reference off by a tick (delayed fput)
        after=$(shmem_kb)
        leftovers=$(find /dev/shm -maxdepth 1 \( -name "parallelkit-$pid-*" -o -name "parallelkit-$child-*" \) | wc -l)
        remaining=0
        ((${#names[@]} > 0)) && remaining=$(holders_of "${names[@]}")
        if ((leftovers > 0)); then
            find /dev/shm -maxdepth 1 \( -name "parallelkit-$pid-*" -o -name "parallelkit-$child-*" \) -printf '  left: %p\n' -delete
        fi
        left=$((left + leftovers))
        held=$((held + remaining))
        holds+=($(((during - before) / 1024)))
        backs+=($(((during - after) / 1024)))
    done
    median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    printf '%-8s %5d %18d %16d %22s %20s %18s\n' "SIG$signal" "$runs" "$left" "$held" "$(median "${holds[@]}")" "$(median "${backs[@]}")" "$(median "${gones[@]}")/$worst_ms"
    total_left=$((total_left + left))
    total_held=$((total_held + held))
done
echo "input array ${input_mb} MB; total /dev/shm leftovers: $total_left; memfds still held after death: $total_held (target 0 and 0)"
# What the design costs per segment: create and attach, named segment against memfd.
if command -v cc >/dev/null; then
    cc -O2 -o "$scratch/segment_costs" "$here/peers/c/segment_costs.c" && "$scratch/segment_costs"
fi
