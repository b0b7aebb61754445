"""The Python side of Benchmarks/compare-pandas.sh: `csv-rows` in pandas, printed as JSON lines
in the shape of `parallelkit bench --json`.

The file is the one `parallelkit bench --workload csv-rows` generates (the same rows, written by
the same rule), and the row function the same: five numeric fields parsed, one value computed,
the id and the value written. Both rows are timed from the input file to the complete output."""
import json
import math
import multiprocessing as mp
import os
import sys
import tempfile
import time

import pandas as pd


def make_csv(path, rows):
    with open(path, "w") as out:
        out.write("id,a,b,c,d,e,label\n")
        lines = []
        for row in range(rows):
            label = f'"item, {row % 97}"' if row % 10 == 0 else f"item {row % 89}"
            lines.append(f"{row},{row % 1000},{(row % 777) / 8!r},{(row % 313) * 1.25!r},{row % 17},{(row % 50) / 4!r},{label}\n")
            if len(lines) >= 100_000:
                out.writelines(lines)
                lines = []
        out.writelines(lines)


def compute(a, b, c, d, e):
    return round(math.sqrt(abs((a * b + c) / (d + 1) - e))) + (a - e) * 0.5


def row_function(row):
    return compute(float(row["a"]), float(row["b"]), float(row["c"]), float(row["d"]), float(row["e"]))


def apply_chunk(frame):
    values = frame.apply(row_function, axis=1)
    return pd.DataFrame({"id": frame["id"], "value": values}).to_csv(index=False, header=False)


def pandas_apply(source, target):
    frame = pd.read_csv(source)
    values = frame.apply(row_function, axis=1)
    pd.DataFrame({"id": frame["id"], "value": values}).to_csv(target, index=False)


def pandas_chunks_pool(source, target, workers):
    with mp.Pool(workers) as pool, open(target, "w") as out:
        out.write("id,value\n")
        for text in pool.imap(apply_chunk, pd.read_csv(source, chunksize=50_000)):
            out.write(text)


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    workers = os.cpu_count()
    with tempfile.TemporaryDirectory() as directory:
        source = os.path.join(directory, "in.csv")
        make_csv(source, rows)
        for variant, run, used in [
            ("pandas-apply", lambda target: pandas_apply(source, target), 1),
            ("pandas-chunks-pool", lambda target: pandas_chunks_pool(source, target, workers), workers),
        ]:
            target = os.path.join(directory, f"{variant}.csv")
            start = time.perf_counter()
            run(target)
            seconds = time.perf_counter() - start
            print(json.dumps({"workload": "csv-rows", "variant": variant, "workers": used, "items": rows,
                              "seconds": seconds, "items_per_second": rows / seconds}), flush=True)


if __name__ == "__main__":
    main()
