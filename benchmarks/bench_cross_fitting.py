"""Would cross-fitting hold the PCA floor where the validation rows cannot? The defaults beside a K-fold check.

The PCA floor keeps a trained network only where the fit's validation rows
show with 95% confidence that it reconstructs no worse than PCA. On a few
raw tables whose columns' spreads differ by hundreds of times
(``bench_floor.py``: grunfeld, cars, seattle-weather) it still keeps
networks that are up to 1.33x PCA on rows the fit never saw. This script
measures one candidate mechanism on those cases, K-fold cross-fitting:
besides the defaults' fit on the training rows, the same estimator is
fitted on each of ``--folds`` folds' other rows and scored, with a PCA
fitted on the same rows, on the fold's own rows, so that every training
row is checked once by a network that did not train on it. The rule: the
full fit's network is kept only where the upper one-sided 95% confidence
bound of the mean per-row difference (fold network's squared error minus
fold PCA's) over every training row is below zero; otherwise the result is
the PCA start (held-out ratio 1.000 to float rounding).

It prints, for the shipped defaults and for the rule, over every table,
scaling, k and split: the worst held-out ratio to PCA, its 95th
percentile, the share of cases more than 2% worse, the median, and the
fit time the rule costs (the folds' fits over the full fit's, median).

    pip install statsmodels vega_datasets
    python benchmarks/bench_cross_fitting.py --jobs 2    # 3 raw tables, k = 2 and 3, 20 splits
    python benchmarks/bench_cross_fitting.py --quick     # a tiny run on a generated table
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, publish  # noqa: E402
from bench_defaults import quiet_timed_fit, run_tasks, split_and_scale  # noqa: E402
from bench_floor import load_table, per_row_errors, summary  # noqa: E402

TABLES = ("grunfeld", "cars", "seattle-weather")
CONFIDENCE_Z = 1.645


def cross_fitted_bound(X_train, k, folds, shorter):
    """The 95% upper bound of the mean out-of-fold difference (defaults minus PCA), and the folds' fit seconds."""
    from sklearn.decomposition import PCA
    from sklearn.model_selection import KFold

    from skautoencoder import AutoencoderTransformer

    differences = np.empty(len(X_train))
    seconds = 0.0
    for fitted_rows, checked_rows in KFold(folds, shuffle=True, random_state=0).split(X_train):
        network = AutoencoderTransformer(k, random_state=0, **shorter)
        seconds += quiet_timed_fit(network, X_train[fitted_rows])
        pca = PCA(k).fit(X_train[fitted_rows])
        checked = X_train[checked_rows]
        differences[checked_rows] = per_row_errors(network, checked) - per_row_errors(pca, checked)
    scale = max(float(np.mean(np.var(X_train, axis=0))), 1e-30)
    bound = differences.mean() + CONFIDENCE_Z * differences.std(ddof=1) / np.sqrt(len(differences))
    return float(bound / scale), seconds


def run_task(task):
    """One case: the shipped defaults' held-out ratio, the cross-fitted bound, the fit times."""
    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer

    name, scaling, k, split_seed, folds, max_rows, quick = task
    X = load_table(name, max_rows)
    X_train, X_test, _, _ = split_and_scale(X, None, scaling, split_seed)
    shorter = {"epochs": 3} if quick else {}
    autoencoder = AutoencoderTransformer(k, random_state=0, **shorter)
    fit_seconds = quiet_timed_fit(autoencoder, X_train)
    pca = PCA(k).fit(X_train)
    ratio = float(np.mean(per_row_errors(autoencoder, X_test)) / np.mean(per_row_errors(pca, X_test)))
    bound, folds_seconds = cross_fitted_bound(X_train, k, folds, shorter)
    # A bound within float rounding of zero is a tie: the folds kept their PCA start.
    kept = bound < -1e-6
    return {
        "table": name,
        "scaling": scaling,
        "k": k,
        "split": split_seed,
        "ratio": ratio,
        "cross_fitted_bound": bound,
        "cross_fitted_ratio": ratio if kept else 1.0,
        "fit_s": fit_seconds,
        "folds_s": folds_seconds,
    }


def markdown(results):
    lines = [
        "| rule | cases | worst AE/PCA | 95th pct | > 2% worse | median | fit time |",
        "|---|---|---|---|---|---|---|",
    ]
    cost = statistics.median(r["folds_s"] / r["fit_s"] for r in results)
    for label, key, time_words in (
        ("as shipped (validation rows)", "ratio", "1x"),
        ("cross-fitted bound", "cross_fitted_ratio", f"{1 + cost:.1f}x"),
    ):
        s = summary([r[key] for r in results])
        lines.append(
            f"| {label} | {s['cases']} | {s['worst']:.3f} | {s['p95']:.3f} | {s['share_over_1.02']:.1%} | "
            f"{s['median']:.3f} | {time_words} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default=",".join(TABLES), help="comma-separated names (bench_floor.py's)")
    parser.add_argument("--scalings", default="raw", help="raw, standard, or both comma-separated")
    parser.add_argument("--sizes", default="2,3", help="code sizes k, comma-separated")
    parser.add_argument("--splits", type=int, default=20, help="random held-out splits per case")
    parser.add_argument("--folds", type=int, default=5, help="folds of the training rows")
    parser.add_argument("--max-rows", type=int, default=400, help="larger tables are cut to this many rows")
    parser.add_argument("--jobs", type=int, default=1, help="processes, one thread each when above 1")
    parser.add_argument("--quick", action="store_true", help="a tiny run on a generated table: checks that it runs")
    parser.add_argument("--output", help="default: results/bench_cross_fitting.json")
    args = parser.parse_args(argv)
    args.output = args.output or os.path.join(os.path.dirname(__file__), "results", "bench_cross_fitting.json")
    names, sizes, splits, folds, max_rows = (
        tuple(args.tables.split(",")),
        tuple(int(k) for k in args.sizes.split(",")),
        args.splits,
        args.folds,
        args.max_rows,
    )
    if args.quick:
        names, sizes, splits, folds, max_rows = ("tanh manifold in 20-D",), (2,), 1, 3, 120
    tasks = [
        (name, scaling, k, split, folds, max_rows, args.quick)
        for name in names
        for scaling in args.scalings.split(",")
        for k in sizes
        for split in range(splits)
    ]
    print(f"{len(tasks)} cases, {folds} folds each; {machine()}", file=sys.stderr)
    started = time.perf_counter()
    results = run_tasks(run_task, tasks, args.jobs)
    publish(
        {
            "machine": machine(),
            "folds": folds,
            "splits": splits,
            "max_rows": max_rows,
            "seconds": time.perf_counter() - started,
            "results": results,
        },
        markdown(results),
        args.output,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
