#!/usr/bin/env bash
# MPIPool against a bare C probe and mpi4py.futures' MPIPoolExecutor, in one run, on this host:
# `mpi-dispatch` (tasks per second to 3 worker ranks, one task per message and batched; the
# probe's `batched-kept` row keeps its results in a fresh array, as a map returns them),
# `mpi-roundtrip` (one call awaited), `mpi-idle-cpu` (what an idle worker rank costs), and
# `mpi-cpu-task` (2000 tasks of ~1 ms over 2 worker ranks, speedup over serial), and
# `run-mpi-true`: `parallelkit run --mpi` of 2000 × `true` over 3 worker ranks at -j2 each (the whole
# mpirun, launch included) against `parallelkit run -j6 true` alone, jobs per second, best of 3.
#
# Needs openmpi-bin, libopenmpi-dev and python3-mpi4py (Debian's, built on the same Open MPI).
# Usage: Benchmarks/compare-mpi.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1
# Its own scratch folder: building with the trait changes every target's flags.
(cd "$root" && swift build -c release --scratch-path .build/mpi --traits MPI --product ParallelKitMPIBench >/dev/null)
(cd "$root" && swift build -c release --scratch-path .build/mpi --traits MPI --product parallelkit >/dev/null)
bench="$root/.build/mpi/release/ParallelKitMPIBench"
pk="$root/.build/mpi/release/parallelkit"
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
mpicc -O2 -o "$probe/mpi_dispatch" "$here/peers/c/mpi_dispatch.c"

mpirun -np 4 "$probe/mpi_dispatch" 100000
mpirun -np 4 "$bench" dispatch
mpirun -np 4 "$bench" idle
mpirun -np 3 "$bench" cpu-task
# Debian's python3-mpi4py is for Debian's python3, which another python3 on PATH may hide.
python=/usr/bin/python3
if "$python" -c 'import mpi4py.futures' 2>/dev/null; then
    mpirun -np 4 "$python" -m mpi4py.futures "$here/peers/python/mpi4py_peer.py" dispatch
    mpirun -np 3 "$python" -m mpi4py.futures "$here/peers/python/mpi4py_peer.py" cpu-task
else
    echo '{"workload":"mpi-dispatch","variant":"mpi4py","skipped":"python3-mpi4py is not installed"}'
fi

# run-mpi-true: the same 2000 jobs, printed nowhere, by one runner and by 4 ranks.
seq 2000 > "$probe/n2000"
best_of_3() { # command…: the shortest wall time of three runs, in seconds
    local best=""
    for _ in 1 2 3; do
        local start end
        start=$(date +%s.%N)
        "$@" < "$probe/n2000" > /dev/null
        end=$(date +%s.%N)
        best=$(python3 -c "import sys; t=$end-$start; b='$best'; print(t if not b or t < float(b) else b)")
    done
    echo "$best"
}
for variant in run run-mpi; do
    if [ $variant = run ]; then
        seconds=$(best_of_3 "$pk" run -j6 true)
    else
        seconds=$(best_of_3 mpirun -q -np 4 "$pk" run --mpi -j2 true)
    fi
    python3 -c "import json; s=$seconds; print(json.dumps({'workload': 'run-mpi-true', 'variant': '$variant', \
'workers': 6, 'items': 2000, 'seconds': round(s, 4), 'items_per_second': round(2000 / s, 1)}, separators=(',', ':')))"
done
