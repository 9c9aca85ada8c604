"""Scaling out: data on disk, search on a Dask cluster, many fits in one process.

(a) data: one epoch of ``fit`` on 1M and 10M rows of 64 float32 features,
    held in memory vs read from a NumPy memmap, each in a fresh process:
    seconds, peak resident memory (VmHWM, which counts the memmap's file
    pages the kernel may drop at will) and peak anonymous memory (heap
    only, sampled), next to the data's size;
(b) search: wall time of a GridSearchCV (4 candidates x 3 folds of digits)
    at ``n_jobs=1`` vs on a two-worker ``dask.distributed.LocalCluster``
    through joblib's Dask backend, with the same scores;
(c) many fits: 50 sequential fits (20 epochs each; a quick run, 7 of 2
    epochs) in one process, as in a search worker:
    seconds per fit, first vs last, and resident memory growth; with the
    pool of compiled trainers and without it (``TRAINER_POOL.max_size = 0``).

Prints markdown tables and writes JSON.

    python benchmarks/bench_scale.py            # the full benchmark
    python benchmarks/bench_scale.py --quick    # a tiny run, seconds
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _memory import AnonymousPeak, reset_peak, status_mb  # noqa: E402
from _report import machine, publish  # noqa: E402

N_FEATURES = 64
FIT_SETTINGS = dict(
    n_components=8,
    hidden_layer_sizes=(32,),
    activation="tanh",
    output_activation="sigmoid",
    batch_size=256,
    epochs=1,
    early_stopping=False,
    random_state=0,
)


# -- (a) data in memory vs on disk (each run in a fresh process) --------------


def write_rows(path, n_rows, n_features=N_FEATURES, block_rows=65536):
    """Write float32 rows in [0, 1] of a non-linear 8-D structure, block by block."""
    from scipy.special import expit

    rng = np.random.RandomState(0)
    weights = rng.standard_normal((8, n_features)).astype(np.float32)
    out = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, n_features))
    for start in range(0, n_rows, block_rows):
        latent = rng.standard_normal((min(block_rows, n_rows - start), 8)).astype(np.float32)
        out[start : start + len(latent)] = expit(latent @ weights)
    out.flush()


def data_child(path, n_rows, storage):
    """Fit one epoch on the file's rows, in memory or as a memmap; print JSON."""
    from skautoencoder import AutoencoderTransformer

    # Start the runtime and compile the trainer on a smaller array first.
    warm_up_rows = min(70000, n_rows)
    AutoencoderTransformer(**FIT_SETTINGS).fit(
        np.random.RandomState(0).rand(warm_up_rows, N_FEATURES).astype(np.float32)
    )
    if storage == "in memory":
        X = np.fromfile(path, dtype=np.float32).reshape(n_rows, N_FEATURES)
    else:
        X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, N_FEATURES))
    before_mb = status_mb("VmRSS")
    anonymous_before_mb = status_mb("RssAnon")
    reset_peak()
    peak = AnonymousPeak()
    start = time.perf_counter()
    model = AutoencoderTransformer(**FIT_SETTINGS).fit(X)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "rows": n_rows,
                "storage": storage,
                "fit_seconds": seconds,
                "data_mb": n_rows * N_FEATURES * 4 / 2**20,
                "rss_before_mb": before_mb,
                "peak_rss_mb": status_mb("VmHWM"),
                "anonymous_before_mb": anonymous_before_mb,
                "peak_anonymous_mb": peak.stop(),
                "loss": model.loss_curve_[0],
            }
        )
    )


def bench_data(sizes, directory):
    results = []
    for n_rows in sizes:
        path = os.path.join(directory, f"rows_{n_rows}.f32")
        write_rows(path, n_rows)
        for storage in ("in memory", "memmap"):
            output = subprocess.run(
                [sys.executable, __file__, "--data-child", path, str(n_rows), storage],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
            print(f"  data | {results[-1]}", file=sys.stderr)
        os.remove(path)
    return results


# -- (b) grid search: one process vs a two-worker Dask cluster ----------------

GRID = {"hidden_layer_sizes": [(32,), (64, 32)], "n_components": [2, 8]}


def bench_search(epochs):
    import distributed
    from joblib import parallel_config
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV

    from skautoencoder import AutoencoderTransformer

    X = load_digits().data / 16

    def search(n_jobs):
        estimator = AutoencoderTransformer(epochs=epochs, batch_size=32, early_stopping=False, random_state=0)
        start = time.perf_counter()
        fitted = GridSearchCV(estimator, GRID, cv=3, n_jobs=n_jobs).fit(X)
        return time.perf_counter() - start, fitted.cv_results_["mean_test_score"]

    serial_seconds, serial_scores = search(n_jobs=1)  # this process starts TensorFlow here
    serial_warm_seconds, _ = search(n_jobs=1)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=":0",  # any free port: two clusters may run at once (the suite runs two workers)
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster),
        parallel_config(backend="dask"),
    ):
        cold_seconds, dask_scores = search(n_jobs=-1)  # workers start TensorFlow here
        warm_seconds, _ = search(n_jobs=-1)
    result = {
        "fits": 4 * 3 + 1,
        "epochs": epochs,
        "n_jobs=1_first_search_seconds": serial_seconds,
        "n_jobs=1_second_search_seconds": serial_warm_seconds,
        "dask_first_search_seconds": cold_seconds,
        "dask_second_search_seconds": warm_seconds,
        "largest_score_difference": float(np.abs(np.asarray(dask_scores) - serial_scores).max()),
    }
    print(f"  search | {result}", file=sys.stderr)
    return result


# -- (c) many fits in one process ------------------------------------------------


def many_fits_child(n_fits, pooled, epochs):
    """Fit ``n_fits`` models of ``epochs`` epochs one after another; print seconds and memory as JSON."""
    from sklearn.datasets import load_digits

    from skautoencoder import AutoencoderTransformer
    from skautoencoder._engine.trainer_pool import TRAINER_POOL

    if not pooled:
        TRAINER_POOL.max_size = 0
    X = load_digits().data / 16
    seconds, resident = [], []
    for i in range(n_fits):
        rows = np.random.RandomState(i).permutation(len(X))[:1200]  # another fold each time
        start = time.perf_counter()
        AutoencoderTransformer(
            2, hidden_layer_sizes=(32,), epochs=epochs, batch_size=32, early_stopping=False, random_state=i
        ).fit(X[rows])
        seconds.append(time.perf_counter() - start)
        resident.append(status_mb("VmRSS"))
    print(json.dumps({"pooled": pooled, "seconds": seconds, "resident_mb": resident}))


def bench_many_fits(n_fits, epochs):
    results = []
    for pooled in (True, False):
        output = subprocess.run(
            [sys.executable, __file__, "--many-fits-child", str(n_fits), str(int(pooled)), str(epochs)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        run = json.loads(output.strip().splitlines()[-1])
        first, last = run["seconds"][1:6], run["seconds"][-5:]
        results.append(
            {
                "pooled": pooled,
                "fits": n_fits,
                "first_fit_seconds": run["seconds"][0],
                "fits_2_to_6_median_seconds": statistics.median(first),
                "last_5_median_seconds": statistics.median(last),
                "slowdown": statistics.median(last) / statistics.median(first),
                "resident_after_first_mb": run["resident_mb"][0],
                "resident_after_last_mb": run["resident_mb"][-1],
                "growth_mb": run["resident_mb"][-1] - run["resident_mb"][0],
            }
        )
        print(f"  many fits | {results[-1]}", file=sys.stderr)
    return results


# -- report --------------------------------------------------------------------


def markdown(results):
    lines = [
        "| rows | data | data (MB) | fit, 1 epoch (s) | RSS before (MB) | peak RSS (MB) | heap "
        "before (MB) | peak heap (MB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["data"]:
        lines.append(
            f"| {r['rows']:,} | {r['storage']} | {r['data_mb']:.0f} | {r['fit_seconds']:.1f} | "
            f"{r['rss_before_mb']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['anonymous_before_mb']:.0f} | {r['peak_anonymous_mb']:.0f} |"
        )
    search = results["search"]
    if search:
        lines += [
            "",
            f"| grid search (digits, 4 candidates x 3 folds, {search['epochs']} epochs) | first search (s) "
            "| second search (s) |",
            "|---|---|---|",
            f"| n_jobs=1 | {search['n_jobs=1_first_search_seconds']:.1f} | "
            f"{search['n_jobs=1_second_search_seconds']:.1f} |",
            f"| Dask LocalCluster, 2 worker processes | {search['dask_first_search_seconds']:.1f} "
            f"| {search['dask_second_search_seconds']:.1f} |",
            "",
            "The first search starts TensorFlow and compiles each network's trainer "
            "(in the benchmark's process, or in each worker); the second reuses them.",
        ]
    if results["many_fits"]:
        lines += [
            "",
            "| sequential fits | first fit (s) | fits 2-6 (s, median) | last 5 (s, median) | last / fits 2-6 "
            "| RSS growth, first to last (MB) |",
            "|---|---|---|---|---|---|",
        ]
        for r in results["many_fits"]:
            name = f"{r['fits']} fits, " + ("pooled trainers" if r["pooled"] else "a new trainer per fit")
            lines.append(
                f"| {name} | {r['first_fit_seconds']:.2f} | {r['fits_2_to_6_median_seconds']:.2f} "
                f"| {r['last_5_median_seconds']:.2f} | {r['slowdown']:.2f} | {r['growth_mb']:.0f} |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    parser.add_argument("--parts", default="data,search,many_fits", help="comma-separated parts (default: all)")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_scale.json"))
    parser.add_argument("--data-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--many-fits-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.data_child:
        path, n_rows, storage = args.data_child
        return data_child(path, int(n_rows), storage)
    if args.many_fits_child:
        n_fits, pooled, epochs = args.many_fits_child
        return many_fits_child(n_fits, bool(pooled), epochs)
    if args.quick:
        sizes, epochs, n_fits, fit_epochs = [20_000], 1, 7, 2
    else:
        sizes, epochs, n_fits, fit_epochs = [1_000_000, 10_000_000], 50, 50, 20
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as directory:
        results = {
            "machine": machine(),
            "data": bench_data(sizes, directory) if "data" in parts else [],
            "search": bench_search(epochs) if "search" in parts else {},
            "many_fits": bench_many_fits(n_fits, fit_epochs) if "many_fits" in parts else [],
        }
    publish(results, markdown(results), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
