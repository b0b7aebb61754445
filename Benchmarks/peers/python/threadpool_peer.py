"""The Python side of Benchmarks/compare-python-threads.sh: seed 003's ThreadPoolExecutor
workloads, printed as JSON lines in the shape of `parallelkit bench --json`."""
import concurrent.futures
import json
import statistics
import sys
import time

SLEEPS = [0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4, 1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8]


def row(workload, variant, workers, seconds, **extra):
    print(json.dumps({"workload": workload, "variant": variant, "workers": workers, "seconds": seconds, **extra}))


def main():
    quick = "--quick" in sys.argv
    repetitions = int(sys.argv[sys.argv.index("--repetitions") + 1]) if "--repetitions" in sys.argv else 5
    scale = 0.01 if quick else 1.0

    times = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        for _ in range(repetitions):
            start = time.perf_counter()
            futures = [executor.submit(time.sleep, s * scale) for s in SLEEPS]
            for future in concurrent.futures.as_completed(futures):
                future.result()
            times.append(time.perf_counter() - start)
    row("sleep-16", "python-threadpoolexecutor-16", 16, statistics.median(times))

    samples = 200 if quick else 5000
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
        medians = []
        for _ in range(repetitions):
            one = []
            for _ in range(samples):
                start = time.perf_counter()
                executor.submit(lambda: None).result()
                one.append(time.perf_counter() - start)
            medians.append(statistics.median(one))
    row("submit-roundtrip", "python-submit-result", 4, statistics.median(medians))

    count = 10_000 if quick else 1_000_000
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        times = []
        for _ in range(repetitions):
            start = time.perf_counter()
            received = sum(1 for _ in executor.map(lambda x: x, range(count), buffersize=4)) \
                if sys.version_info >= (3, 14) else sum(1 for _ in executor.map(lambda x: x, range(count)))
            assert received == count
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    row("stream-throughput", "python-executor-map", 2, seconds, items_per_second=count / seconds)


if __name__ == "__main__":
    main()
