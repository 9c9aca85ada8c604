"""Early stopping's patience counted in rows against a patience of 30 epochs, on maps of 5,000 to 60,000 rows.

``n_iter_no_change="auto"`` waits as many epochs as train on 60,000 rows (at
least one, at most 30 for a map): 30 epochs for the small data sets the
defaults were chosen on, one for 60,000 rows. Before, it waited 30 epochs
at any size. For each data set, the map (``AutoencoderTransformer(2)``, the
defaults, seeded) is fitted twice, with ``"auto"`` and with
``n_iter_no_change=30``, and the table gives the epochs run, the fit's
seconds, and on 5,000 held-out rows the trustworthiness (5 neighbours) and
the reconstruction error relative to PCA's. A first fit, not timed, pays
for TensorFlow's start and the compilation that later fits reuse.

The rows are the grey 28 x 28 patches of scikit-learn's sample photographs
that ``bench_scale_maps.py`` maps (784 values in [0, 1]).

    python benchmarks/bench_patience.py            # 5,000, 20,000 and 60,000 rows
    python benchmarks/bench_patience.py --quick    # 2,000 rows, at most 3 epochs, 1,000 held out
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _report import machine, publish  # noqa: E402
from bench_scale_maps import HELD_OUT, image_patches  # noqa: E402

PATIENCES = {"auto (rows)": "auto", "30 epochs": 30}


def fit_and_measure(X, X_test, pca_mse, patience, epochs):
    from sklearn.manifold import trustworthiness

    from skautoencoder import AutoencoderTransformer

    model = AutoencoderTransformer(2, random_state=0, n_iter_no_change=patience, epochs=epochs)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    seconds = time.perf_counter() - start
    codes = model.transform(X_test)
    mse = float(np.mean((model.inverse_transform(codes) - X_test) ** 2))
    return {
        "epochs": model.n_iter_,
        "fit_s": seconds,
        "trustworthiness": float(trustworthiness(X_test, codes, n_neighbors=5)),
        "mse_vs_pca": mse / pca_mse,
    }


def run(sizes, epochs, held_out=HELD_OUT):
    from sklearn.decomposition import PCA

    X_test = image_patches(held_out, 28, seed=0)
    # A first fit, not timed, pays for TensorFlow's start and the training
    # loop's compilation, which later fits of this network reuse.
    fit_and_measure(image_patches(sizes[0], 28, seed=1), X_test, 1.0, "auto", epochs)
    results = []
    for n_rows in sizes:
        X = image_patches(n_rows, 28, seed=1)
        pca = PCA(2, random_state=0).fit(X)
        pca_mse = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
        for name, patience in PATIENCES.items():
            row = {"rows": n_rows, "patience": name, **fit_and_measure(X, X_test, pca_mse, patience, epochs)}
            print(row, file=sys.stderr, flush=True)
            results.append(row)
    return results


def markdown(results):
    lines = [
        "| rows | patience | epochs | fit (s) | held-out trustworthiness | held-out MSE / PCA |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['patience']} | {r['epochs']} | {r['fit_s']:.1f} | "
            f"{r['trustworthiness']:.3f} | {r['mse_vs_pca']:.3f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 rows, at most 3 epochs, 1,000 held out")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_patience.json"))
    args = parser.parse_args()
    results = run([2_000], 3, held_out=1_000) if args.quick else run([5_000, 20_000, 60_000], 300)
    publish({"machine": machine(), "results": results}, markdown(results), args.output)


if __name__ == "__main__":
    main()
