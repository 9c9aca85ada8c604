"""What the default map costs on small tables: its fit against UMAP's and reconstruction alone, and partial_fit.

On each table of ``bench_floor.py`` (real tables that statsmodels and
vega_datasets ship, and two generated ones), cut to ``--rows`` rows and
standardised, one process fits, for a 2-D code, the defaults
(``AutoencoderTransformer(2, random_state=0)``: with ``neighbor_weight="auto"``,
on small data the map and reconstruction alone, the map kept only where it
earns its place), the same with ``neighbor_weight=0`` (reconstruction alone)
and ``umap.UMAP(n_components=2)``, and prints each one's fit seconds and
the defaults' over UMAP's. Both libraries are warmed up first on other
data (TensorFlow's start, UMAP's compilation), so the times are those of a
session's next table; each table has its own width, so each fit of the
defaults traces its own training steps, as a user's next table would.

Then ``partial_fit`` on a stream of 256-row chunks (``--chunks``) of the
20-column generated table: the median seconds of a call after the first
three, with the default map and with ``neighbor_weight=0``, and their
ratio.

    pip install statsmodels vega_datasets umap-learn
    python benchmarks/bench_map_cost.py
    python benchmarks/bench_map_cost.py --quick     # a tiny run: checks that the script runs
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, publish  # noqa: E402
from bench_floor import GENERATED_TABLES, STATSMODELS_TABLES, VEGA_TABLES, load_table  # noqa: E402

CHUNK_ROWS = 256


def timed(call):
    """Run ``call()`` with its warnings silenced; return what it returned and the seconds it took."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = call()
    return value, time.perf_counter() - start


def fit_times(X, epochs=None):
    """Seconds to fit the defaults, reconstruction alone and UMAP on ``X``; what the defaults kept."""
    import umap
    from sklearn.preprocessing import StandardScaler

    from skautoencoder import AutoencoderTransformer

    X = StandardScaler().fit_transform(X)
    shorter = {} if epochs is None else {"epochs": epochs}
    defaults, defaults_s = timed(lambda: AutoencoderTransformer(2, random_state=0, **shorter).fit(X))
    _, alone_s = timed(lambda: AutoencoderTransformer(2, neighbor_weight=0.0, random_state=0, **shorter).fit(X))
    _, umap_s = timed(lambda: umap.UMAP(n_components=2).fit(X))
    choice = defaults.map_choice_
    return {
        "defaults_s": defaults_s,
        "reconstruction_alone_s": alone_s,
        "umap_s": umap_s,
        "kept": choice["kept"] if choice else "map",
        "epochs_run": defaults.n_iter_,
    }


def partial_fit_seconds(X, n_chunks, neighbor_weight):
    """Median seconds of a ``partial_fit`` call on a 256-row chunk, after the first three calls."""
    from skautoencoder import AutoencoderTransformer

    estimator = AutoencoderTransformer(2, neighbor_weight=neighbor_weight, random_state=0)
    seconds = []
    for i in range(n_chunks):
        chunk = X[(i * CHUNK_ROWS) % len(X) :][:CHUNK_ROWS]
        seconds.append(timed(lambda: estimator.partial_fit(chunk))[1])
    return statistics.median(seconds[3:])


def warm_up(epochs):
    """TensorFlow's start and UMAP's compilation, on data no table shares."""
    import umap

    from skautoencoder import AutoencoderTransformer

    rows = np.random.RandomState(0).normal(size=(300, 5))
    timed(lambda: AutoencoderTransformer(2, random_state=0, epochs=epochs or 3).fit(rows))
    timed(lambda: umap.UMAP(n_components=2).fit(rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400, help="each table cut to this many rows (a seeded subset)")
    parser.add_argument("--chunks", type=int, default=40, help="partial_fit calls of 256 rows")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_map_cost.json"))
    args = parser.parse_args(argv)
    tables = list(STATSMODELS_TABLES + VEGA_TABLES + GENERATED_TABLES)
    epochs, rows, n_chunks = None, args.rows, args.chunks
    if args.quick:
        tables, epochs, rows, n_chunks = ["swiss roll in 12-D"], 3, 150, 5
    warm_up(epochs)
    results = []
    for name in tables:
        X = load_table(name, rows)
        measured = {"table": name, "rows": len(X), "columns": X.shape[1], **fit_times(X, epochs)}
        results.append(measured)
        print(
            f"{name}: defaults {measured['defaults_s']:.2f} s ({measured['kept']} kept), "
            f"reconstruction alone {measured['reconstruction_alone_s']:.2f} s, UMAP {measured['umap_s']:.2f} s",
            file=sys.stderr,
        )
    stream = load_table("tanh manifold in 20-D", 4000)
    stream = (stream - stream.mean(axis=0)) / stream.std(axis=0)
    partial = {
        "map_s": partial_fit_seconds(stream, n_chunks, "auto"),
        "alone_s": partial_fit_seconds(stream, n_chunks, 0.0),
    }
    lines = [
        "| table | rows x columns | defaults s | kept | nw=0 s | UMAP s | defaults / UMAP |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['table']} | {r['rows']} x {r['columns']} | {r['defaults_s']:.2f} | {r['kept']} | "
            f"{r['reconstruction_alone_s']:.2f} | {r['umap_s']:.2f} | {r['defaults_s'] / r['umap_s']:.1f} |"
        )
    ratios = [r["defaults_s"] / r["umap_s"] for r in results]
    lines.append(
        f"| median |  | {statistics.median(r['defaults_s'] for r in results):.2f} |  | "
        f"{statistics.median(r['reconstruction_alone_s'] for r in results):.2f} | "
        f"{statistics.median(r['umap_s'] for r in results):.2f} | {statistics.median(ratios):.1f} |"
    )
    lines += [
        "",
        "| partial_fit of 256 rows (median of calls 4 on) | default map | nw=0 | map / nw=0 |",
        "|---|---|---|---|",
        f"| 20 columns, {n_chunks} calls | {1000 * partial['map_s']:.1f} ms | {1000 * partial['alone_s']:.1f} ms | "
        f"{partial['map_s'] / partial['alone_s']:.2f} |",
    ]
    summary = {"machine": machine(), "rows": rows, "quick": args.quick, "tables": results, "partial_fit": partial}
    publish(summary, "\n".join(lines), args.output)


if __name__ == "__main__":
    main()
