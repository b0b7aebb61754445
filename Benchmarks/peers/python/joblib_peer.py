"""The Python side of Benchmarks/compare-joblib.sh: seed 003's joblib program, function_to_test(i, j)
over 30 x 10 pairs with a sleep, on joblib's multiprocessing and loky backends with
n_jobs=cpu_count(), one timed call per round, printed as JSON lines in the shape of
`parallelkit bench --json`."""
import json
import math
import sys
import time
from multiprocessing import cpu_count

from joblib import Parallel, delayed

NUM_I, NUM_J = 30, 10


def function_to_test(i, j, seconds):
    time.sleep(seconds)  # the seed's simulated computation
    return math.sqrt(i**2) + math.sqrt(j**2)


def main():
    backend = sys.argv[1]            # multiprocessing | loky
    seconds = float(sys.argv[2])     # the sleep of one call
    jobs = cpu_count()
    tasks = (delayed(function_to_test)(i, j, seconds) for i in range(NUM_I) for j in range(NUM_J))
    start = time.perf_counter()
    values = Parallel(n_jobs=jobs, backend=backend)(tasks)
    elapsed = time.perf_counter() - start
    expected = [float(i + j) for i in range(NUM_I) for j in range(NUM_J)]
    if values != expected:
        sys.exit(f"joblib {backend}: wrong result")
    print(json.dumps({"workload": "joblib-30x10", "variant": f"joblib-{backend}", "workers": jobs,
                      "items": NUM_I * NUM_J, "seconds": elapsed}), flush=True)


if __name__ == "__main__":
    main()
