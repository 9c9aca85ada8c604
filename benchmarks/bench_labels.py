"""Maps shaped by labels: label_weight on the digits, with every training label and with a tenth of them.

The digits in [0, 1], 25% held out (stratified, seed 0); a 2-D code with the
defaults and ``label_weight`` in {0, 0.1, 0.3, 1, 3}, fitted with every
training label and with 10% of them (the others -1). For each: held-out 5-NN
accuracy from the training rows' codes, and held-out mean squared
reconstruction error against PCA's with 2 components.

Usage::

    python benchmarks/bench_labels.py            # every weight
    python benchmarks/bench_labels.py --quick    # weights 0 and 1, 5 epochs
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np


def run(weights, shares, epochs):
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split
    from sklearn.neighbors import KNeighborsClassifier

    from skautoencoder import AutoencoderTransformer

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.25, random_state=0, stratify=y)
    pca = PCA(2).fit(X_train)
    pca_error = float(np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2))
    rows = []
    for weight in weights:
        for share in shares if weight > 0 else [0.0]:
            labels = np.where(np.random.RandomState(0).rand(len(y_train)) < share, y_train, -1)
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = AutoencoderTransformer(2, label_weight=weight, epochs=epochs, random_state=0)
                model.fit(X_train, labels if weight > 0 else None)
            codes_train, codes_test = model.transform(X_train), model.transform(X_test)
            row = dict(
                label_weight=weight,
                labelled=share,
                accuracy=float(KNeighborsClassifier(5).fit(codes_train, y_train).score(codes_test, y_test)),
                mse_over_pca=float(-model.score(X_test) / pca_error),
                epochs=model.n_iter_,
                seconds=time.perf_counter() - started,
            )
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def main():
    from _report import machine, publish

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="weights 0 and 1, 5 epochs")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_labels.json"))
    args = parser.parse_args()
    weights, epochs = ([0.0, 1.0], 5) if args.quick else ([0.0, 0.1, 0.3, 1.0, 3.0], 300)
    rows = run(weights, [1.0, 0.1], epochs)
    lines = [
        "| label_weight | labelled | held-out 5-NN accuracy | held-out MSE / PCA's | epochs | fit (s) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        labelled = "none" if row["label_weight"] == 0 else f"{row['labelled']:.0%}"
        lines.append(
            f"| {row['label_weight']:g} | {labelled} | {row['accuracy']:.3f} | {row['mse_over_pca']:.3f} | "
            f"{row['epochs']} | {row['seconds']:.0f} |"
        )
    publish({"machine": machine(), "rows": rows}, "\n".join(lines), args.output)


if __name__ == "__main__":
    main()
