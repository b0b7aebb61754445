"""The Python side of Benchmarks/compare-python-processes.sh: the seed workloads on
multiprocessing.Pool, printed as JSON lines in the shape of `parallelkit bench --json`."""
import json
import math
import multiprocessing as mp
import random
import statistics
import sys
import time

CPU_ROUNDS = 16_000  # ~1 ms of sqrt rounds in CPython here, like ParallelKit's cpu-task


def noop(x):
    return x


def square(n):
    return n * n


def howmany_within_range(row, minimum=4, maximum=8):
    count = 0
    for n in row:
        if minimum <= n <= maximum:
            count += 1
    return count


def cpu_task(seed):
    s = float(seed)
    for i in range(CPU_ROUNDS):
        s = math.sqrt(s + i) + 1
    return s


def row(workload, variant, workers, seconds, items=1, **extra):
    print(json.dumps({"workload": workload, "variant": variant, "workers": workers, "items": items,
                      "seconds": seconds, **extra}), flush=True)


def timed(fn, repetitions):
    times = []
    result = None
    for _ in range(repetitions):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main():
    quick = "--quick" in sys.argv
    repetitions = int(sys.argv[sys.argv.index("--repetitions") + 1]) if "--repetitions" in sys.argv else 3

    for method in ("fork", "spawn"):
        context = mp.get_context(method)
        times = []
        for _ in range(repetitions):
            start = time.perf_counter()
            pool = context.Pool(2)
            pool.apply(noop, (0,))  # started and ready
            times.append(time.perf_counter() - start)
            pool.terminate()
            pool.join()
        row("pool-startup", f"python-pool-{method}", 2, statistics.median(times))

    with mp.Pool(2) as pool:
        samples = 200 if quick else 2000
        medians = []
        for _ in range(repetitions):
            one = []
            for i in range(samples):
                start = time.perf_counter()
                pool.apply(noop, (i,))
                one.append(time.perf_counter() - start)
            medians.append(statistics.median(one))
        row("apply-roundtrip", "python-pool-apply", 2, statistics.median(medians))

        n = 100_000 if quick else 10_000_000
        serial, expected = timed(lambda: [square(x) for x in range(n)], repetitions)
        parallel, result = timed(lambda: pool.map(square, range(n)), repetitions)
        assert result == expected
        row("squares", "python-serial", 1, serial, n)
        row("squares", "python-pool-map", 2, parallel, n, speedup=serial / parallel, items_per_second=n / parallel)

        rng = random.Random(100)
        rows = [[rng.randrange(10) for _ in range(5)] for _ in range(2_000 if quick else 200_000)]
        serial, expected = timed(lambda: [howmany_within_range(r) for r in rows], repetitions)
        parallel, result = timed(lambda: pool.map(howmany_within_range, rows), repetitions)
        assert result == expected
        row("count-in-range", "python-serial", 1, serial, len(rows))
        row("count-in-range", "python-pool-map", 2, parallel, len(rows), speedup=serial / parallel)

        # The same rows with the range as arguments: starmap over (row, minimum, maximum) tuples
        # against ParallelKit's three-field input struct, and map over the bare rows.
        arguments = [(r, 4, 8) for r in rows]
        starmap, result = timed(lambda: pool.starmap(howmany_within_range, arguments), repetitions)
        assert result == expected
        bare, result = timed(lambda: pool.map(howmany_within_range, rows), repetitions)
        assert result == expected
        row("starmap-struct", "python-pool-starmap", 2, starmap, len(rows), speedup=serial / starmap)
        row("map-array", "python-pool-map", 2, bare, len(rows), speedup=serial / bare)

        tasks = range(40 if quick else 2000)
        serial, expected = timed(lambda: [cpu_task(i) for i in tasks], repetitions)
        parallel, result = timed(lambda: pool.map(cpu_task, tasks), repetitions)
        assert result == expected
        row("cpu-task", "python-serial", 1, serial, len(tasks))
        row("cpu-task", "python-pool-map", 2, parallel, len(tasks), speedup=serial / parallel)


if __name__ == "__main__":
    main()
