#!/usr/bin/env bash
# A single-node Slurm (Debian's slurm-wlm and munge: slurmctld + slurmd, started here, as root)
# on which `srun -n 4 --mpi=pmix` launches the MPI test program; its checks must give what
# `mpirun -np 4` gives. Stops the daemons and removes what it made when it ends.
#
# Needs root, slurm-wlm, munge, openmpi-bin, libopenmpi-dev.
# Usage: Benchmarks/mpi-slurm.sh [mode]       (mode: the test program's, "pool" by default;
#        "run": `parallelkit run --mpi` of 12 jobs under srun, its output and the joblog's hosts)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mode=${1:-pool}
work=$(mktemp -d /tmp/pk-slurm.XXXXXX)
chmod 755 "$work"
node=$(hostname)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    # slurmctld and slurmd may take seconds to go; they are killed after 2.
    for pid in "${pids[@]}"; do
        for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
    done
    # munged may not heed SIGTERM at once; a daemon left would hold this script's descriptors
    # (a caller waiting for them to close would wait for ever).
    if [ -f "$work/munged.pid" ]; then
        munged=$(cat "$work/munged.pid")
        kill "$munged" 2>/dev/null || true
        for _ in $(seq 10); do kill -0 "$munged" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$munged" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$mode" = run ]; then
    pk=${PARALLELKIT_MPI_CLI:-}  # a parallelkit built with the MPI trait already
    if [ -z "$pk" ]; then
        (cd "$root" && swift build --scratch-path .build/mpi --traits MPI --product parallelkit >/dev/null)
        pk="$root/.build/mpi/debug/parallelkit"
    fi
    program=("$pk" run --mpi -k -j2 --joblog "$work/joblog"
        'echo {} rank $PARALLELKIT_RANK on $(hostname)' ::: $(seq 12))
else
    (cd "$root" && swift build --scratch-path .build/mpi --traits MPI --product ParallelKitMPITestRunner >/dev/null)
    program=("$root/.build/mpi/debug/ParallelKitMPITestRunner" "$mode")
fi

# munge, with a key made by hand, its socket and files in $work.
mkdir -p "$work/munge"
dd if=/dev/urandom bs=1 count=1024 of="$work/munge/munge.key" status=none
chown -R munge:munge "$work/munge"
chmod 755 "$work/munge"
chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --key-file="$work/munge/munge.key" --socket="$socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"
cp "$work/munge/munged.pid" "$work/munged.pid"

mkdir -p "$work/state" "$work/spool"
cat > "$work/slurm.conf" <<CONF
ClusterName=pk
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=4 State=UNKNOWN
PartitionName=pk Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$work/slurm.conf"
/usr/sbin/slurmctld -D -i >/dev/null 2>&1 &
pids+=($!)
/usr/sbin/slurmd -D >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
    sleep 0.2
done
sinfo -h -o '%P %T %D' >&2
srun --mpi=list >&2 || true

export OMPI_MCA_pml=ob1
srun -n 4 --mpi=pmix "${program[@]}"
if [ "$mode" = run ]; then
    echo "joblog hosts $(tail -n +2 "$work/joblog" | cut -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
fi
