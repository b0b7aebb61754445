#!/usr/bin/env bash
# Drill for issue 13.4: a result over the message limit, and the parent's memory for a large one.
#
# 1. A task whose result is TOO_LARGE bytes of text (1.2 GB by default) on a pool with the
#    default limit (1 GiB) and `retries: 2`: prints the size, the limit, the error's code and
#    text, the time to the error and how many times the task ran (1: never retried).
# 2. A task whose result is RESULT bytes of text (300 MB by default: 292,968 strings of 1 KiB,
#    not an array of plain values, so it travels through the Codable wire format): prints the
#    parent's resident memory before and at its peak (VmHWM, reset with /proc/self/clear_refs)
#    and the ratio of the growth to the result's size. The figure is a ratio within one run.
#
# Usage: Benchmarks/drill-large-result.sh [--debug] [TOO_LARGE [RESULT [LIMIT]]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
configuration=release
if [[ "${1:-}" == "--debug" ]]; then
    configuration=debug
    shift
fi
(cd "$root" && swift build -c "$configuration" --product ParallelKitTestWorker >/dev/null)
"$root/.build/$configuration/ParallelKitTestWorker" drill-large-result "$@"
