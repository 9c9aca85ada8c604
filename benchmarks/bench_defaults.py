"""Choosing the defaults: candidate settings against PCA on every bundled data set.

Each candidate is a set of estimator parameters a user would not change. It
is fitted, with only ``n_components`` and ``random_state`` added, on every
data set that ships with scikit-learn (digits, iris, wine, breast cancer,
diabetes with its raw columns) as raw columns, min-max scaled and
standardised (scalers fitted on the training rows), for every k in
2, 3, 4, 8, 16, 32 below the number of features (k = 3 since the defaults
started to depend on it; earlier runs had 48 rows without it), with 25% of the rows held
out; and on digits in [0, 1] at k = 2 over several seeds and splits, where
the map's trustworthiness and 5-NN accuracy are measured too. The report is
one line per candidate: the worst and median held-out MSE ratio to PCA, how
many rows PCA wins by more than 2%, and the digits figures.

    python benchmarks/bench_defaults.py                      # every candidate
    python benchmarks/bench_defaults.py --candidates defaults  # the library's own
    python benchmarks/bench_defaults.py --quick              # a tiny run
"""

import argparse
import concurrent.futures
import multiprocessing
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, publish  # noqa: E402

SIZES = (2, 3, 4, 8, 16, 32)
SCALINGS = ("raw", "min-max", "standard")
# Digits in [0, 1] at k = 2: (random_state, split seed) pairs.
DIGITS_RUNS = ((0, 0), (1, 0), (2, 0), (0, 1), (0, 2))

# The defaults before PCA anchoring; every candidate changes some of them.
BEFORE = dict(
    init="random",
    hidden_layer_sizes=(128, 64),
    activation="relu",
    learning_rate=1e-3,
    batch_size=32,
    epochs=200,
    early_stopping=False,
    n_iter_no_change=10,
)
CANDIDATES = {
    # The library's defaults as they are: every "auto" resolved by the fit.
    "defaults": {},
    "before": BEFORE,
    "random-es10": {**BEFORE, "early_stopping": True},
    "pca": {**BEFORE, "init": "pca"},
    "pca-es10": {**BEFORE, "init": "pca", "early_stopping": True},
    "pca-es20": {**BEFORE, "init": "pca", "early_stopping": True, "n_iter_no_change": 20, "epochs": 300},
    "pca-es20-tanh": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "activation": "tanh",
    },
    "pca-es20-wide": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128),
    },
    "pca-es20-lr3e-4": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "learning_rate": 3e-4,
    },
    "pca-es20-val0.2": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "validation_fraction": 0.2,
    },
    "pca-es20-deep": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128, 64),
    },
    "pca-es20-batch16": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "batch_size": 16,
    },
    "pca-es20-wide-batch16": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128),
        "batch_size": 16,
    },
    "pca-es20-deep-tanh-b16-noise": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 20,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128, 64),
        "activation": "tanh",
        "batch_size": 16,
        "corruption": "gaussian",
        "corruption_level": 0.1,
    },
    "pca-es30-map": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 30,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128, 64),
        "activation": "tanh",
        "batch_size": 16,
        "corruption": "gaussian",
        "corruption_level": 0.1,
        "neighbor_weight": 1.0,
    },
    "pca-es30-map-clean": {
        **BEFORE,
        "init": "pca",
        "early_stopping": True,
        "n_iter_no_change": 30,
        "epochs": 300,
        "hidden_layer_sizes": (256, 128, 64),
        "activation": "tanh",
        "batch_size": 16,
        "neighbor_weight": 1.0,
    },
}


def datasets():
    """Name → (X, class labels or None), all bundled with scikit-learn."""
    from sklearn import datasets as sk

    found = {}
    for name, loader in [
        ("digits", sk.load_digits),
        ("iris", sk.load_iris),
        ("wine", sk.load_wine),
        ("breast cancer", sk.load_breast_cancer),
        ("diabetes", lambda: sk.load_diabetes(scaled=False)),
    ]:
        data = loader()
        found[name] = (data.data.astype(float), data.target if name != "diabetes" else None)
    return found


def split_and_scale(X, y, scaling, split_seed=0):
    """25% held out (stratified for classes); a scaler fitted on the training rows."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    stratify = y if y is not None else None
    if y is None:
        y = np.zeros(len(X))
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=split_seed, stratify=stratify
    )
    if scaling != "raw":
        scaler = (MinMaxScaler() if scaling == "min-max" else StandardScaler()).fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    return X_train, X_test, y_train, y_test


def held_out_mse(reducer, X_test):
    from skautoencoder.metrics import reconstruction_error

    return reconstruction_error(reducer, X_test)


def quiet_timed_fit(estimator, X):
    """Fit ``estimator`` on ``X`` with its warnings silenced; return the seconds it took."""
    import warnings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator.fit(X)
    return time.perf_counter() - start


def run_task(task):
    """Fit PCA and one candidate on one data set; return the measurements."""

    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer
    from skautoencoder.metrics import knn_accuracy, trustworthiness_score

    candidate, name, scaling, k, random_state, split_seed, quick = task
    X, y = datasets()[name]
    if quick:
        X, y = X[:150], (y[:150] if y is not None else None)
    X_train, X_test, y_train, y_test = split_and_scale(X, y, scaling, split_seed)
    settings = {**CANDIDATES[candidate], **({"epochs": 3} if quick else {})}
    autoencoder = AutoencoderTransformer(k, **settings, random_state=random_state)
    fit_seconds = quiet_timed_fit(autoencoder, X_train)
    pca = PCA(k).fit(X_train)
    result = {
        "candidate": candidate,
        "dataset": name,
        "scaling": scaling,
        "k": k,
        "random_state": random_state,
        "split": split_seed,
        "ratio": held_out_mse(autoencoder, X_test) / held_out_mse(pca, X_test),
        "fit_s": fit_seconds,
        "epochs": autoencoder.n_iter_,
    }
    if name == "digits" and scaling == "min-max" and k == 2:
        codes = autoencoder.transform(X_test)
        result["trustworthiness"] = trustworthiness_score(X_test, codes, n_neighbors=5)
        result["knn_accuracy"] = knn_accuracy(autoencoder.transform(X_train), y_train, codes, y_test)
    return result


def tasks_for(candidate, quick):
    tasks = []
    for name, (X, _) in datasets().items():
        for scaling in SCALINGS:
            for k in SIZES:
                if k < X.shape[1] and not (quick and k > 2):
                    tasks.append((candidate, name, scaling, k, 0, 0, quick))
    runs = DIGITS_RUNS[:1] if quick else DIGITS_RUNS
    tasks += [(candidate, "digits", "min-max", 2, seed, split, quick) for seed, split in runs[1:]]
    return tasks


def summarise(candidate, results):
    rows = [r for r in results if r["candidate"] == candidate]
    first = [r for r in rows if r["random_state"] == 0 and r["split"] == 0]
    ratios = [r["ratio"] for r in first]
    maps = [r for r in rows if "trustworthiness" in r]
    digits_fit = [r["fit_s"] for r in first if r["dataset"] == "digits"]
    return {
        "candidate": candidate,
        "worst_ratio": max(ratios),
        "worst_case": max(first, key=lambda r: r["ratio"]),
        "median_ratio": statistics.median(ratios),
        "pca_wins_by_2pct": sum(ratio > 1.02 for ratio in ratios),
        "rows": len(ratios),
        "digits_k2_ratio": [r["ratio"] for r in maps],
        "digits_k2_trustworthiness": [r["trustworthiness"] for r in maps],
        "digits_k2_knn": [r["knn_accuracy"] for r in maps],
        "digits_k8_ratio": next(
            (r["ratio"] for r in first if r["dataset"] == "digits" and r["scaling"] == "min-max" and r["k"] == 8), None
        ),
        "digits_k32_ratio": next(
            (r["ratio"] for r in first if r["dataset"] == "digits" and r["scaling"] == "min-max" and r["k"] == 32), None
        ),
        "digits_fit_s_median": statistics.median(digits_fit) if digits_fit else None,
    }


def markdown(summaries):
    def span(values, digits=3):
        return f"{min(values):.{digits}f}-{max(values):.{digits}f}" if values else "–"

    lines = [
        "| candidate | worst AE/PCA | where | median AE/PCA | PCA wins by >2% | digits k=2 AE/PCA | "
        "trust. k=2 | 5-NN k=2 | digits k=8 / k=32 | digits fit s (median) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summaries:
        worst = s["worst_case"]
        k8 = f"{s['digits_k8_ratio']:.2f}" if s["digits_k8_ratio"] is not None else "–"
        k32 = f"{s['digits_k32_ratio']:.2f}" if s["digits_k32_ratio"] is not None else "–"
        lines.append(
            f"| {s['candidate']} | {s['worst_ratio']:.3f} | {worst['dataset']} {worst['scaling']} k={worst['k']} | "
            f"{s['median_ratio']:.3f} | {s['pca_wins_by_2pct']} of {s['rows']} | {span(s['digits_k2_ratio'], 2)} | "
            f"{span(s['digits_k2_trustworthiness'])} | {span(s['digits_k2_knn'])} | {k8} / {k32} | "
            f"{s['digits_fit_s_median']:.1f} |"
        )
    return "\n".join(lines)


def _single_threaded():
    from skautoencoder._engine.backend import import_tensorflow

    tf = import_tensorflow()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def run_tasks(function, tasks, jobs, reported=lambda result, index: result):
    """``function`` over ``tasks``, in ``jobs`` processes of one thread each when above 1, in order.

    Each result goes through ``reported(result, index)`` as it arrives (to
    print progress) and what that returns is kept.
    """
    if jobs > 1:
        context = multiprocessing.get_context("spawn")
        executor = concurrent.futures.ProcessPoolExecutor
        with executor(jobs, mp_context=context, initializer=_single_threaded) as pool:
            return [reported(result, i) for i, result in enumerate(pool.map(function, tasks))]
    return [reported(function(task), i) for i, task in enumerate(tasks)]


def _printed(result, index):
    print(
        f"  {result['candidate']}: {result['dataset']} {result['scaling']} k={result['k']} "
        f"AE/PCA {result['ratio']:.3f}",
        file=sys.stderr,
    )
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", default="all", help="comma-separated names, or all")
    parser.add_argument("--jobs", type=int, default=1, help="processes, one thread each when above 1")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_defaults.json"))
    args = parser.parse_args(argv)
    names = list(CANDIDATES) if args.candidates == "all" else args.candidates.split(",")
    unknown = set(names) - set(CANDIDATES)
    if unknown:
        parser.error(f"unknown candidates: {', '.join(sorted(unknown))}; choose from {', '.join(CANDIDATES)}")
    tasks = [task for name in names for task in tasks_for(name, args.quick)]
    results = run_tasks(run_task, tasks, args.jobs, _printed)
    summaries = [summarise(name, results) for name in names]
    publish(
        {
            "machine": machine(),
            "candidates": {n: CANDIDATES[n] for n in names},
            "summaries": summaries,
            "results": results,
        },
        markdown(summaries),
        args.output,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
