"""The neighbour graph of a map: exact against approximate indexes, by recall and time.

For each size, on grey patches of scikit-learn's sample photographs (see
``bench_scale_maps.py``): the seconds to find every row's 15 nearest other
rows and the recall of the true 15 on 1,000 sampled rows, for

- exact: scikit-learn's ``NearestNeighbors`` (brute force; timed on the
  1,000 sampled rows and scaled to all rows, since its cost is that of the
  queries);
- faiss HNSW: ``IndexHNSWFlat`` with the library's settings (16 links,
  construction breadth 40, search breadth 32; asked in row order, where
  the library asks in k-means cluster order for the same results sooner),
  and whether it gives the same graph with one thread as with all;
- the library on disk: the rows written to a float32 ``.npy`` file and
  opened as a memmap, searched as the library searches rows on disk above
  its exact size (cluster by cluster of a k-means partition, each row
  listed under its 4 nearest centres; the time includes writing the file
  and the library's own recall measurement);
- hnswlib (M 16, construction breadth 200, search breadth 50) and
  pynndescent (its defaults, with numba's compilation timed on a small
  set first), where installed (``pip install hnswlib pynndescent``);
  again with one thread against all.

The library's graph is exact up to ``EXACT_MAX_ROWS`` training rows, and
above, faiss's HNSW for rows in memory and its own search for rows on disk;
this benchmark is where these choices come from.

    python benchmarks/bench_neighbor_graph.py            # 10,000 to 100,000 rows
    python benchmarks/bench_neighbor_graph.py --large    # and 1,000,000 x 64
    python benchmarks/bench_neighbor_graph.py --quick    # a tiny run, the library's two indexes only
"""

import argparse
import importlib.util
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

K = 15
N_QUERIES = 1000
SAME = {True: "yes", False: "no", None: "–"}


def exact(X, queries):
    from sklearn.neighbors import NearestNeighbors

    start = time.perf_counter()
    _, true = NearestNeighbors(algorithm="brute").fit(X).kneighbors(X[queries], K + 1)
    return (time.perf_counter() - start) * len(X) / len(queries), true


def with_threads(n_threads, build):
    """``build()`` with faiss's and numba's threads limited to ``n_threads`` (None: all)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(n_threads):
        return build()


def faiss_graph(X, n_threads=None):
    import faiss

    from skautoencoder._neighbor_graph import HNSW_BUILD_BREADTH, HNSW_LINKS, HNSW_SEARCH_BREADTH

    threads = faiss.omp_get_max_threads()
    if n_threads:
        faiss.omp_set_num_threads(n_threads)
    try:
        index = faiss.IndexHNSWFlat(X.shape[1], HNSW_LINKS)
        index.hnsw.efConstruction = HNSW_BUILD_BREADTH
        index.add(X)
        index.hnsw.efSearch = HNSW_SEARCH_BREADTH
        return index.search(X, K + 1)[1]
    finally:
        faiss.omp_set_num_threads(threads)


def hnswlib_graph(X, n_threads=None):
    import hnswlib

    index = hnswlib.Index(space="l2", dim=X.shape[1])
    index.init_index(max_elements=len(X), ef_construction=200, M=16, random_seed=0)
    index.add_items(X, num_threads=n_threads or -1)
    index.set_ef(50)
    return index.knn_query(X, k=K + 1, num_threads=n_threads or -1)[0].astype(np.int64)


def on_disk_graph(X, n_threads=None):
    """The library's graph of ``X`` as a memmap, above its exact size (``n_threads`` is set by the caller)."""
    import tempfile

    from skautoencoder._data_sources import StreamedRows
    from skautoencoder._neighbor_graph import neighbor_graph

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "rows.npy")
        np.save(path, np.asarray(X, dtype=np.float32))
        rows = np.load(path, mmap_mode="r")
        return neighbor_graph(StreamedRows(rows), np.arange(len(rows)), None, K, exact_max_rows=0).neighbors


def pynndescent_graph(X, n_threads=None):
    import pynndescent

    return pynndescent.NNDescent(X, n_neighbors=K + 1, random_state=0, n_jobs=n_threads or -1).neighbor_graph[0]


INDEXES = {
    "faiss HNSW": ("faiss", faiss_graph),
    "library on disk": ("faiss", on_disk_graph),
    "hnswlib": ("hnswlib", hnswlib_graph),
}
INDEXES["pynndescent"] = ("pynndescent", pynndescent_graph)


def recall(found, true, queries):
    """Mean share of each query's true 15 other rows among the 15 found (itself left out)."""
    shares = []
    for query, found_row, true_row in zip(queries, found[queries], true):
        found_row = [i for i in found_row if i != query][:K]
        true_row = [i for i in true_row if i != query][:K]
        shares.append(len(set(found_row) & set(true_row)) / K)
    return float(np.mean(shares))


def main():
    from _report import machine, publish
    from bench_scale_maps import image_patches

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--large", action="store_true", help="add 1,000,000 x 64")
    parser.add_argument(
        "--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_neighbor_graph.json")
    )
    args = parser.parse_args()
    sizes = [(2000, 28), (5000, 8)] if args.quick else [(10_000, 28), (20_000, 28), (60_000, 28), (100_000, 8)]
    if args.large:
        sizes.append((1_000_000, 8))
    available = {name: build for name, (module, build) in INDEXES.items() if importlib.util.find_spec(module)}
    if args.quick:  # the peers, and numba's compilation, are for the real run
        available = {name: build for name, build in available.items() if name in ("faiss HNSW", "library on disk")}
    if "pynndescent" in available:  # numba compiles on the first call: time it apart
        start = time.perf_counter()
        pynndescent_graph(np.random.RandomState(0).rand(2000, 8).astype(np.float32))
        print(f"pynndescent's first call (numba compiling) took {time.perf_counter() - start:.1f} s", file=sys.stderr)
    rows = []
    for n_rows, side in sizes:
        X = image_patches(n_rows, side, seed=0)
        queries = np.sort(np.random.RandomState(1).choice(n_rows, min(N_QUERIES, n_rows), replace=False))
        seconds, true = exact(X, queries)
        rows.append(dict(rows=n_rows, features=side * side, method="exact", seconds=seconds, recall=1.0, same=None))
        for name, build in available.items():
            start = time.perf_counter()
            found = with_threads(None, lambda: build(X))
            seconds = time.perf_counter() - start
            single = with_threads(1, lambda: build(X, 1))
            same = bool(np.array_equal(found, single))
            rows.append(
                dict(
                    rows=n_rows,
                    features=side * side,
                    method=name,
                    seconds=seconds,
                    recall=recall(found, true, queries),
                    same=same,
                )
            )
            print(rows[-1], file=sys.stderr, flush=True)
    lines = [
        "| rows | features | method | seconds | recall of the 15 nearest | same graph on 1 thread |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['rows']:,} | {row['features']} | {row['method']} | {row['seconds']:.1f} | "
            f"{row['recall']:.3f} | {SAME[row['same']]} |"
        )
    publish({"machine": machine(), "rows": rows}, "\n".join(lines), args.output)


if __name__ == "__main__":
    main()
