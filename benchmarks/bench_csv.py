"""How fast the command line reads a large CSV file.

Writes a CSV of random numbers (about 100 MB: 20 float columns and an
integer label column, with a header), then times the command's reader
(``skautoencoder.cli._tables.read_csv_table``: the delimiter and header
found from the first lines, then ``pandas.read_csv``, then the checks of
every column), NumPy's ``loadtxt`` and ``pandas.read_csv`` alone. Medians of three
reads; prints a markdown table and writes JSON.

    python benchmarks/bench_csv.py           # about 100 MB
    python benchmarks/bench_csv.py --quick   # about 1 MB
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _report import machine, publish  # noqa: E402

N_FEATURES = 20
REPEATS = 3


def write_csv(path, n_rows, seed=0):
    """A header, then ``n_rows`` rows of 20 floats (%.17g, as pandas writes them) and a label."""
    rng = np.random.RandomState(seed)
    header = ",".join([f"x{i}" for i in range(N_FEATURES)] + ["label"])
    with open(path, "w") as file:
        file.write(header + "\n")
        for start in range(0, n_rows, 50_000):
            block = rng.randn(min(50_000, n_rows - start), N_FEATURES)
            labels = rng.randint(0, 10, len(block))
            table = np.column_stack([block, labels])
            np.savetxt(file, table, delimiter=",", fmt=["%.17g"] * N_FEATURES + ["%d"])


def median_seconds(read):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        read()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_csv.json"))
    args = parser.parse_args(argv)

    from skautoencoder.cli._tables import read_csv_table

    n_rows = 2_500 if args.quick else 250_000
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "large.csv")
        write_csv(path, n_rows)
        megabytes = os.path.getsize(path) / 1e6
        table = read_csv_table(path, label="label")
        assert table.X.shape == (n_rows, N_FEATURES) and table.labels.dtype.kind == "i"
        readers = {
            "skautoencoder (command line reader)": lambda: read_csv_table(path, label="label"),
            "numpy.loadtxt": lambda: np.loadtxt(path, delimiter=",", skiprows=1),
        }
        import pandas as pd  # a dependency of the command line

        readers["pandas.read_csv"] = lambda: pd.read_csv(path)
        seconds = {name: median_seconds(read) for name, read in readers.items()}

    rows = [f"| {name} | {s:.2f} | {megabytes / s:.0f} |" for name, s in seconds.items()]
    table_text = "\n".join(
        [
            f"Reading a {megabytes:.0f} MB CSV ({n_rows:,} rows of {N_FEATURES} floats and a label), "
            f"median of {REPEATS}; {machine()}",
            "",
            "| reader | seconds | MB/s |",
            "| --- | --- | --- |",
            *rows,
        ]
    )
    publish({"megabytes": megabytes, "rows": n_rows, "seconds": seconds}, table_text, args.output)


if __name__ == "__main__":
    main()
