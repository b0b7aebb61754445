"""mpi4py.futures' MPIPoolExecutor on the workloads of Benchmarks/compare-mpi.sh, printed as JSON
lines in the shape of `parallelkit bench --json`.

    mpirun -np 4 python3 -m mpi4py.futures mpi4py_peer.py dispatch     # 3 worker ranks
    mpirun -np 3 python3 -m mpi4py.futures mpi4py_peer.py cpu-task     # 2 worker ranks
"""
import json
import math
import sys
import time

from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

CPU_ROUNDS = 16_000  # ~1 ms of sqrt rounds in CPython here, as pool_peer.py


def square(x):
    return x * x


def cpu_task(seed):
    s = float(seed)
    for i in range(CPU_ROUNDS):
        s = math.sqrt(s + i) + 1
    return s


def row(workload, variant, workers, seconds, items=1, **extra):
    print(json.dumps({"workload": workload, "variant": variant, "workers": workers, "items": items,
                      "seconds": seconds, **extra}), flush=True)


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "dispatch"
    with MPIPoolExecutor() as executor:
        workers = MPI.COMM_WORLD.Get_size() - 1
        list(executor.map(square, range(1000)))  # start-up and warm-up
        if what == "dispatch":
            for variant, count, chunksize in (("mpi4py-unbatched", 20_000, 1), ("mpi4py-batched", 1_000_000, 1000)):
                start = time.perf_counter()
                list(executor.map(square, range(count), chunksize=chunksize))
                seconds = time.perf_counter() - start
                row("mpi-dispatch", variant, workers, seconds, count, tasks_per_second=round(count / seconds))
            start = time.perf_counter()
            for i in range(2000):
                executor.submit(square, i).result()
            seconds = time.perf_counter() - start
            row("mpi-roundtrip", "mpi4py", workers, seconds / 2000, 2000)
        else:
            start = time.perf_counter()
            [cpu_task(i) for i in range(200)]
            serial = (time.perf_counter() - start) * 10
            start = time.perf_counter()
            list(executor.map(cpu_task, range(2000)))
            seconds = time.perf_counter() - start
            row("mpi-cpu-task", "mpi4py", workers, seconds, 2000, speedup=round(serial / seconds, 2))


if __name__ == "__main__":
    main()
