#!/usr/bin/env bash
# A real three-host MPI cluster on this machine: three network namespaces joined by a bridge
# (veth pairs, TCP between them), each with its own host name (`unshare --uts`) and its own
# sshd, and a hostfile; `mpirun --hostfile` then runs the MPI test program across them with
# `--mca btl tcp,self`, and its checks must give what they give on one host.
#
# Needs root, iproute2, openssh-server, openmpi-bin, libopenmpi-dev. Cleans up after itself
# (namespaces, bridge, sshds, and the key it added to root's authorized_keys).
# Usage: Benchmarks/mpi-cluster.sh [mode]       (mode: the test program's, "pool" by default;
#        "run": `parallelkit run --mpi` of 12 jobs, its output and then the joblog's hosts)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
mode=${1:-pool}
work=$(mktemp -d /tmp/pk-cluster.XXXXXX)
hosts=(pkh1 pkh2 pkh3)
subnet=10.77.0

cleanup() {
    for pid in $(cat "$work"/sshd-*.pid 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    for i in 1 2 3; do ip netns del "pk-ns$i" 2>/dev/null || true; done
    ip link del pkbr0 2>/dev/null || true
    if [ -f "$work/key.pub" ] && [ -f /root/.ssh/authorized_keys ]; then
        grep -vF "$(cat "$work/key.pub")" /root/.ssh/authorized_keys > "$work/keys" || true
        cat "$work/keys" > /root/.ssh/authorized_keys
    fi
    if [ -f "$work/made-ssh-dir" ] && [ ! -s /root/.ssh/authorized_keys ]; then
        rm -f /root/.ssh/authorized_keys
        rmdir /root/.ssh 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ "$mode" = run ]; then
    # PARALLELKIT_MPI_CLI: a parallelkit built with the MPI trait already (MPIRunMainTests passes its own).
    pk=${PARALLELKIT_MPI_CLI:-}
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

ssh-keygen -q -t ed25519 -N '' -f "$work/key"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
[ -d /root/.ssh ] || touch "$work/made-ssh-dir"
mkdir -p /root/.ssh /run/sshd
touch /root/.ssh/authorized_keys
grep -qF "$(cat "$work/key.pub")" /root/.ssh/authorized_keys || cat "$work/key.pub" >> /root/.ssh/authorized_keys

ip link add pkbr0 type bridge
ip addr add "$subnet.254/24" dev pkbr0
ip link set pkbr0 up
: > "$work/hostfile"
for i in 1 2 3; do
    ns="pk-ns$i"
    ip netns add "$ns"
    ip link add "pkv$i" type veth peer name eth0 netns "$ns"
    ip link set "pkv$i" master pkbr0 up
    ip -n "$ns" addr add "$subnet.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    cat > "$work/sshd-$i.conf" <<CONF
ListenAddress $subnet.$i
HostKey $work/hostkey
PidFile $work/sshd-$i.pid
PermitRootLogin prohibit-password
AuthorizedKeysFile /root/.ssh/authorized_keys
StrictModes no
UsePAM no
AcceptEnv OMPI_*
CONF
    # Its own host name: everything this sshd starts (the orted, the ranks) sees it.
    ip netns exec "$ns" unshare --uts sh -c "hostname ${hosts[$((i - 1))]}; exec /usr/sbin/sshd -f $work/sshd-$i.conf"
    echo "$subnet.$i slots=2" >> "$work/hostfile"
done
sleep 1

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
ssh_args="-i $work/key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
mpirun --hostfile "$work/hostfile" -np 4 --map-by node \
    --mca plm_rsh_args "$ssh_args" --mca btl tcp,self \
    --mca oob_tcp_if_include "$subnet.0/24" --mca btl_tcp_if_include "$subnet.0/24" \
    -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
    "${program[@]}"
if [ "$mode" = run ]; then
    echo "joblog hosts $(tail -n +2 "$work/joblog" | cut -f2 | sort -u | tr '\n' ' ' | sed 's/ $//')"
fi
