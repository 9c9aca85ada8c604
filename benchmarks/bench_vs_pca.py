"""Autoencoder vs PCA: held-out reconstruction error and neighbourhood quality.

The autoencoder with its default settings (only ``n_components`` and
``random_state`` set), on every data set that ships with scikit-learn (no
download) as raw columns and with each column scaled to [0, 1] on the
training rows, and on a generated non-linear manifold embedded in 64
dimensions; 25% of the rows held out:

- held-out reconstruction MSE for k = 2, 4, 8, 16, 32 (where k < features);
- at k = 2: trustworthiness (5 neighbours) and 5-NN accuracy in the code space
  (for labelled data sets);
- fit and transform seconds.

Writes a markdown table, JSON and PNG plots.

    python benchmarks/bench_vs_pca.py             # the full benchmark
    python benchmarks/bench_vs_pca.py --quick     # a tiny run
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

SIZES = (2, 4, 8, 16, 32)


SCALINGS = ("raw", "min-max")


def s_curve_in_64_dimensions(n_samples=2000, seed=0):
    """An S-curve (a 2-D manifold) pushed through a random non-linear map to 64-D."""
    from sklearn.datasets import make_s_curve

    points, position = make_s_curve(n_samples, random_state=seed)
    rng = np.random.RandomState(seed)
    hidden = np.tanh(points @ rng.normal(size=(3, 32)) + rng.normal(size=32))
    return np.tanh(hidden @ rng.normal(size=(32, 64)) / 3), None, position


def datasets():
    """Name → (X, class labels or None). Only data that needs no download."""
    from bench_defaults import datasets as bundled

    found = dict(bundled())
    X, classes, _ = s_curve_in_64_dimensions()
    found["S-curve in 64-D"] = (X, classes)
    return found


def evaluate(reducer, X_train, X_test, y_train, y_test, neighbour_measures):
    from skautoencoder.metrics import knn_accuracy, reconstruction_error, trustworthiness_score

    start = time.perf_counter()
    reducer.fit(X_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    codes = reducer.transform(X_test)
    result = {
        "mse": reconstruction_error(reducer, X_test),
        "fit_s": fit_seconds,
        "transform_s": time.perf_counter() - start,
    }
    if neighbour_measures:
        result["trustworthiness"] = trustworthiness_score(X_test, codes, n_neighbors=5)
        if y_train is not None:
            result["knn_accuracy"] = knn_accuracy(reducer.transform(X_train), y_train, codes, y_test)
    return result


def run(quick):
    settings = {"epochs": 2} if quick else {}
    sizes = (2, 8) if quick else SIZES
    results = []
    for name, (X, y) in datasets().items():
        if quick:
            X, y = X[:120], (y[:120] if y is not None else None)
        for scaling in SCALINGS if name != "S-curve in 64-D" else ("as generated",):
            results += run_one(name, scaling, X, y, sizes, settings)
    return results


def run_one(name, scaling, X, y, sizes, settings):
    """PCA and the autoencoder at every size below the width of ``X``, on one scaling."""
    from bench_defaults import split_and_scale
    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer

    X_train, X_test, y_train, y_test = split_and_scale(X, y, "raw" if scaling == "as generated" else scaling)
    if y is None:
        y_train = y_test = None
    results = []
    for k in (k for k in sizes if k < X.shape[1]):
        row = {"dataset": name, "scaling": scaling, "n_features": X.shape[1], "k": k}
        for method, reducer in [
            ("PCA", PCA(k)),
            ("autoencoder", AutoencoderTransformer(k, **settings, random_state=0)),
        ]:
            row[method] = evaluate(reducer, X_train, X_test, y_train, y_test, neighbour_measures=k == 2)
        row["mse_ratio"] = row["autoencoder"]["mse"] / row["PCA"]["mse"]
        print(f"  {name} {scaling} k={k}: AE/PCA MSE {row['mse_ratio']:.3f}", file=sys.stderr)
        results.append(row)
    return results


def winner(ratio):
    """Who wins on held-out error; within 2% either way is a tie."""
    if ratio > 1.02:
        return "PCA"
    return "autoencoder" if ratio < 0.98 else "tie (within 2%)"


def markdown(results):
    def optional(result, key):
        return f"{result[key]:.3f}" if key in result else "–"

    lines = [
        "| data set | scaling | k | PCA MSE | AE MSE | AE/PCA | winner | trust. PCA / AE | 5-NN PCA / AE | "
        "fit s PCA / AE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        pca, ae = r["PCA"], r["autoencoder"]
        lines.append(
            f"| {r['dataset']} | {r['scaling']} | {r['k']} | {pca['mse']:.4g} | {ae['mse']:.4g} | "
            f"{r['mse_ratio']:.3f} | {winner(r['mse_ratio'])} | "
            f"{optional(pca, 'trustworthiness')} / {optional(ae, 'trustworthiness')} | "
            f"{optional(pca, 'knn_accuracy')} / {optional(ae, 'knn_accuracy')} | "
            f"{pca['fit_s']:.2f} / {ae['fit_s']:.1f} |"
        )
    return "\n".join(lines)


def plot(results, path):
    import matplotlib.pyplot as plt

    from skautoencoder.plotting import plot_error_curve

    names = list(dict.fromkeys((r["dataset"], r["scaling"]) for r in results))
    columns = 4
    rows = -(-len(names) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.8 * rows), squeeze=False, layout="constrained")
    for ax, name in zip(axes.flat, names):
        mine = [r for r in results if (r["dataset"], r["scaling"]) == name]
        sizes = [r["k"] for r in mine]
        errors = {m: [r[m]["mse"] for r in mine] for m in ("PCA", "autoencoder")}
        plot_error_curve(sizes, errors, ax=ax, title=f"{name[0]}, {name[1]} ({mine[0]['n_features']} features)")
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    figure.suptitle("Held-out reconstruction error against n_components")
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results"), help="folder")
    args = parser.parse_args(argv)
    results = run(args.quick)
    table = markdown(results)
    print(table)
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "bench_vs_pca.json"), "w") as file:
        json.dump({"settings": "the defaults", "results": results, "table": table}, file, indent=2)
    plot(results, os.path.join(args.output, "bench_vs_pca.png"))
    print(f"\nWritten: {args.output}/bench_vs_pca.json, bench_vs_pca.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
