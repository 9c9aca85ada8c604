"""2-D maps of held-out rows: PCA, the autoencoder's defaults, the reconstruction alone, and UMAP.

On the digits scaled to [0, 1], 25% held out (stratified), for each split
seed and each ``random_state`` of the reducers: held-out trustworthiness
(5 neighbours), 5-NN accuracy of held-out codes against the training codes,
held-out reconstruction MSE (and its ratio to PCA's; UMAP's through its
``inverse_transform``), fit seconds and the median time to transform one
row. The same measures, without labels, on the benchmark's S-curve in 64-D.
The autoencoders are ``AutoencoderTransformer(2)`` (for a 2-D code the
defaults make a map: the neighbourhood term on) and
``AutoencoderTransformer(2, neighbor_weight=0.0)`` (the settings for
reconstruction alone), nothing else set; umap-learn's UMAP (in the ``test``
extra) with its defaults is the anchor.

    python benchmarks/bench_maps.py                        # splits 0-2, seeds 0-2
    python benchmarks/bench_maps.py --splits 0 --seeds 0   # one run of each
    python benchmarks/bench_maps.py --quick                # a tiny run
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def reducers(seed, quick):
    """Method name → an unfitted reducer with a decoder (``inverse_transform``)."""
    import umap
    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer

    shorter = dict(epochs=3) if quick else {}
    return {
        "PCA": PCA(2),
        "autoencoder (defaults)": AutoencoderTransformer(2, random_state=seed, **shorter),
        "autoencoder, neighbor_weight=0": AutoencoderTransformer(2, neighbor_weight=0.0, random_state=seed, **shorter),
        "UMAP": umap.UMAP(n_components=2, random_state=seed),
    }


def one_row_transform_ms(reducer, X, repeats):
    """Median milliseconds of ``transform`` on one row."""
    times = []
    for i in range(repeats):
        row = X[i % len(X)][None, :]
        start = time.perf_counter()
        reducer.transform(row)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure(reducer, X_train, X_test, y_train, y_test, repeats):
    """Fit on the training rows; every measure on the held-out rows."""
    from skautoencoder.metrics import knn_accuracy, trustworthiness_score

    start = time.perf_counter()
    reducer.fit(X_train)
    fit_seconds = time.perf_counter() - start
    codes = reducer.transform(X_test)
    row = {
        "trustworthiness": trustworthiness_score(X_test, codes, n_neighbors=5),
        "held-out MSE": float(np.mean((reducer.inverse_transform(codes) - X_test) ** 2)),
        "fit s": fit_seconds,
        "one-row transform ms": one_row_transform_ms(reducer, X_test, repeats),
    }
    if y_train is not None:
        row["5-NN accuracy"] = knn_accuracy(reducer.transform(X_train), y_train, codes, y_test)
    return row, codes


def digits_split(seed):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.25, random_state=seed, stratify=y)


def s_curve_split(seed):
    from bench_vs_pca import s_curve_in_64_dimensions
    from sklearn.model_selection import train_test_split

    X, _, _ = s_curve_in_64_dimensions()
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=seed)
    return X_train, X_test, None, None


def run(splits, seeds, quick):
    import warnings

    results = []
    maps = {}
    for data_name, split_of in (("digits [0, 1]", digits_split), ("S-curve in 64-D", s_curve_split)):
        for split in splits:
            X_train, X_test, y_train, y_test = split_of(split)
            if quick:
                X_train, X_test = X_train[:300], X_test[:100]
                y_train, y_test = (None, None) if y_train is None else (y_train[:300], y_test[:100])
            for seed in seeds:
                pca_mse = None
                for name, reducer in reducers(seed, quick).items():
                    with warnings.catch_warnings():
                        # umap-learn's, about scikit-learn and about seeding a single thread.
                        warnings.simplefilter("ignore", FutureWarning)
                        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
                        row, codes = measure(reducer, X_train, X_test, y_train, y_test, repeats=5 if quick else 50)
                    pca_mse = row["held-out MSE"] if name == "PCA" else pca_mse
                    row.update(
                        {
                            "data": data_name,
                            "split": split,
                            "seed": seed,
                            "method": name,
                            "MSE / PCA": row["held-out MSE"] / pca_mse,
                        }
                    )
                    results.append(row)
                    print(
                        f"{data_name}, split {split}, seed {seed}, {name}: "
                        + ", ".join(f"{k} {v:.4g}" for k, v in row.items() if isinstance(v, float)),
                        file=sys.stderr,
                    )
                    if data_name.startswith("digits") and split == splits[0] and seed == seeds[0]:
                        maps[name] = (codes, y_test)
    return results, maps


def summary_table(results):
    """One row per data set and method: the median over splits and seeds, with the range."""
    measures = ["trustworthiness", "5-NN accuracy", "held-out MSE", "MSE / PCA", "fit s", "one-row transform ms"]
    header = ["data", "method"] + measures
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    keys = list(dict.fromkeys((r["data"], r["method"]) for r in results))
    for data_name, method in keys:
        rows = [r for r in results if r["data"] == data_name and r["method"] == method]
        cells = [data_name, method]
        for measure_name in measures:
            values = [r[measure_name] for r in rows if measure_name in r]
            if not values:
                cells.append("–")
                continue
            digits = 2 if measure_name in ("fit s", "one-row transform ms") else 3
            median = f"{statistics.median(values):.{digits}f}"
            spread = f" ({min(values):.{digits}f}–{max(values):.{digits}f})" if len(values) > 1 else ""
            cells.append(median + spread)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_maps(maps, path):
    """The held-out digits' maps side by side."""
    import matplotlib.pyplot as plt

    from skautoencoder import plotting

    figure, axes = plt.subplots(1, len(maps), figsize=(5.5 * len(maps), 5), layout="constrained")
    for ax, (name, (codes, labels)) in zip(np.atleast_1d(axes), maps.items()):
        plotting.plot_codes(codes, labels, ax=ax, title=f"{name}: held-out digits")
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2], help="split seeds (default: 0 1 2)")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="reducers' random_state (default: 0 1 2)"
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the script")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args(argv)
    from _report import machine, publish

    splits, seeds = (args.splits[:1], args.seeds[:1]) if args.quick else (args.splits, args.seeds)
    results, maps = run(splits, seeds, args.quick)
    os.makedirs(args.output, exist_ok=True)
    plot_maps(maps, os.path.join(args.output, "bench_maps.png"))
    table = summary_table(results)
    publish(
        {"machine": machine(), "splits": splits, "seeds": seeds, "results": results},
        table,
        os.path.join(args.output, "bench_maps.json"),
    )


if __name__ == "__main__":
    main()
