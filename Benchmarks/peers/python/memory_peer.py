"""The Python side of Benchmarks/compare-memory.sh: joblib.Memory's warm hit on a small input and
joblib.hash of a 100 MB float64 array (what Memory.cache hashes a NumPy argument with), printed as
JSON lines in the shape of `parallelkit bench --json`."""
import json
import statistics
import sys
import time

import numpy as np
from joblib import Memory, hash as joblib_hash


def square(x):
    return x * x


def row(variant, items, seconds, extra):
    fields = {"workload": "memory-cache", "variant": variant, "workers": 1, "items": items,
              "seconds": seconds, "items_per_second": items / seconds}
    fields.update(extra)
    return json.dumps(fields)


def main():
    directory, rounds = sys.argv[1], int(sys.argv[2])
    cached = Memory(directory, verbose=0).cache(square)
    cached(3)
    calls = 2000
    hits = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            cached(3)
        hits.append(time.perf_counter() - start)
    hit = statistics.median(hits)
    print(row("joblib-warm-hit", calls, hit, {"microseconds_per_call": hit / calls * 1e6}))
    doubles = np.arange(12_500_000, dtype=np.float64) * 0.5
    hashes = []
    for _ in range(rounds):
        start = time.perf_counter()
        joblib_hash(doubles)
        hashes.append(time.perf_counter() - start)
    seconds = statistics.median(hashes)
    print(row("joblib-hash-100mb", 1, seconds, {"gb_per_second": 1e-9 * doubles.nbytes / seconds}))


if __name__ == "__main__":
    main()
