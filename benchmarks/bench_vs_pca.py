"""Autoencoder vs PCA: held-out reconstruction error and neighbourhood quality.

For every data set that ships with scikit-learn (no download) and a generated
non-linear manifold embedded in 64 dimensions, each column scaled to [0, 1]
on the training rows, 25% of the rows held out:

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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

SIZES = (2, 4, 8, 16, 32)


def autoencoder_settings():
    """The autoencoder of ``skautoencoder demo`` (early stopping included)."""
    from skautoencoder.cli import DEMO_SETTINGS

    return dict(DEMO_SETTINGS)


def s_curve_in_64_dimensions(n_samples=2000, seed=0):
    """An S-curve (a 2-D manifold) pushed through a random non-linear map to 64-D."""
    from sklearn.datasets import make_s_curve

    points, position = make_s_curve(n_samples, random_state=seed)
    rng = np.random.RandomState(seed)
    hidden = np.tanh(points @ rng.normal(size=(3, 32)) + rng.normal(size=32))
    return np.tanh(hidden @ rng.normal(size=(32, 64)) / 3), None, position


def datasets():
    """Name → (X, class labels or None). Only data that needs no download."""
    from sklearn import datasets as sk

    found = {}
    for name, loader in [
        ("digits", sk.load_digits),
        ("iris", sk.load_iris),
        ("wine", sk.load_wine),
        ("breast cancer", sk.load_breast_cancer),
        ("diabetes", sk.load_diabetes),
    ]:
        data = loader()
        classes = data.target if name != "diabetes" else None
        found[name] = (data.data.astype(float), classes)
    X, classes, _ = s_curve_in_64_dimensions()
    found["S-curve in 64-D"] = (X, classes)
    return found


def min_max_scale(X_train, X_test):
    low, high = X_train.min(axis=0), X_train.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (X_train - low) / span, (X_test - low) / span


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
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from skautoencoder import AutoencoderTransformer

    settings = {**autoencoder_settings(), "epochs": 2} if quick else autoencoder_settings()
    sizes = (2, 8) if quick else SIZES
    results = []
    for name, (X, y) in datasets().items():
        if quick:
            X, y = X[:120], (y[:120] if y is not None else None)
        if y is None:
            X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
            y_train = y_test = None
        else:
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        X_train, X_test = min_max_scale(X_train, X_test)
        for k in sizes:
            if k >= X.shape[1]:
                continue
            row = {"dataset": name, "n_features": X.shape[1], "k": k}
            for method, reducer in [
                ("PCA", PCA(k)),
                ("autoencoder", AutoencoderTransformer(k, **settings, random_state=0)),
            ]:
                row[method] = evaluate(reducer, X_train, X_test, y_train, y_test, neighbour_measures=k == 2)
            row["mse_ratio"] = row["autoencoder"]["mse"] / row["PCA"]["mse"]
            print(f"  {name} k={k}: AE/PCA MSE {row['mse_ratio']:.2f}", file=sys.stderr)
            results.append(row)
    return results


def markdown(results):
    def optional(result, key):
        return f"{result[key]:.3f}" if key in result else "–"

    lines = [
        "| data set | k | PCA MSE | AE MSE | AE/PCA | winner | trust. PCA / AE | 5-NN PCA / AE | fit s PCA / AE |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        pca, ae = r["PCA"], r["autoencoder"]
        lines.append(
            f"| {r['dataset']} | {r['k']} | {pca['mse']:.4f} | {ae['mse']:.4f} | {r['mse_ratio']:.2f} | "
            f"{'autoencoder' if r['mse_ratio'] < 1 else 'PCA'} | "
            f"{optional(pca, 'trustworthiness')} / {optional(ae, 'trustworthiness')} | "
            f"{optional(pca, 'knn_accuracy')} / {optional(ae, 'knn_accuracy')} | "
            f"{pca['fit_s']:.2f} / {ae['fit_s']:.1f} |"
        )
    return "\n".join(lines)


def plot(results, path):
    import matplotlib.pyplot as plt

    from skautoencoder.plotting import plot_error_curve

    names = list(dict.fromkeys(r["dataset"] for r in results))
    columns = 3
    rows = -(-len(names) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5 * columns, 3.8 * rows), squeeze=False, layout="constrained")
    for ax, name in zip(axes.flat, names):
        mine = [r for r in results if r["dataset"] == name]
        sizes = [r["k"] for r in mine]
        errors = {m: [r[m]["mse"] for r in mine] for m in ("PCA", "autoencoder")}
        plot_error_curve(sizes, errors, ax=ax, title=f"{name} ({mine[0]['n_features']} features)")
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
        json.dump({"settings": autoencoder_settings(), "results": results, "table": table}, file, indent=2)
    plot(results, os.path.join(args.output, "bench_vs_pca.png"))
    print(f"\nWritten: {args.output}/bench_vs_pca.json, bench_vs_pca.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
