"""The exact neighbour graph of small data: a NumPy search against a NearestNeighbors index, by time and result.

Up to ``SEARCHED_MAX_ROWS`` dense training rows, the library finds the
exact graph by comparing every row with every training row in NumPy;
above, it asks scikit-learn's ``NearestNeighbors``. For each size of
``--sizes`` (rows of 20 standard normal columns, 80% of them training
rows, 15 neighbours), this prints the median seconds of seven builds of
the whole graph each way, their ratio, and whether the two graphs are the
same. 256 training rows are a ``partial_fit`` chunk's.

    python benchmarks/bench_small_graph.py
    python benchmarks/bench_small_graph.py --quick   # a tiny run: checks that it runs
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, publish  # noqa: E402

SIZES = (320, 500, 1000, 1250, 2000, 4096)
N_FEATURES = 20
REPEATS = 7


def graph_seconds(X, searched_max_rows, repeats):
    """The median seconds of building the graph with ``SEARCHED_MAX_ROWS`` set so; the last graph."""
    from skautoencoder import _neighbor_graph
    from skautoencoder._data_sources import rows_of

    n_train = int(0.8 * len(X))
    train_rows, validation_rows = np.arange(n_train), np.arange(n_train, len(X))
    kept, _neighbor_graph.SEARCHED_MAX_ROWS = _neighbor_graph.SEARCHED_MAX_ROWS, searched_max_rows
    try:
        seconds = []
        for _ in range(repeats):
            start = time.perf_counter()
            graph = _neighbor_graph.neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15)
            seconds.append(time.perf_counter() - start)
    finally:
        _neighbor_graph.SEARCHED_MAX_ROWS = kept
    return statistics.median(seconds), graph.neighbors


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="rows, comma-separated")
    parser.add_argument("--quick", action="store_true", help="two small sizes, two repeats")
    parser.add_argument(
        "--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_small_graph.json")
    )
    args = parser.parse_args(argv)
    sizes = (64, 256) if args.quick else tuple(int(n) for n in args.sizes.split(","))
    repeats = 2 if args.quick else REPEATS
    rows = []
    for n_rows in sizes:
        X = np.random.RandomState(0).normal(size=(n_rows, N_FEATURES)).astype(np.float32)
        searched_s, searched = graph_seconds(X, np.inf, repeats)
        indexed_s, indexed = graph_seconds(X, 0, repeats)
        rows.append(
            {
                "rows": n_rows,
                "training_rows": int(0.8 * n_rows),
                "numpy_ms": 1e3 * searched_s,
                "index_ms": 1e3 * indexed_s,
                "same": bool(np.array_equal(searched, indexed)),
            }
        )
    lines = [
        f"Exact graph of {N_FEATURES} columns, 15 neighbours, median of {repeats}; {machine()}",
        "",
        "| rows | training rows | NumPy search ms | NearestNeighbors ms | index / search | same graph |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['rows']} | {row['training_rows']} | {row['numpy_ms']:.2f} | {row['index_ms']:.2f} | "
            f"{row['index_ms'] / row['numpy_ms']:.2f} | {'yes' if row['same'] else 'no'} |"
        )
    publish({"machine": machine(), "repeats": repeats, "rows": rows}, "\n".join(lines), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
