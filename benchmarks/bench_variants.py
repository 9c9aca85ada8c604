"""Convolutional vs dense autoencoders on the 8x8 digits, at similar size.

Held-out reconstruction MSE at k = 8 (25% of the digits held out, values
scaled /16), with each network's parameter count and fit seconds, next to
PCA. Each fit is timed after a first fit has started TensorFlow, and
early stopping ends each (1,000 epochs at most). Prints a markdown table
and writes JSON.

    python benchmarks/bench_variants.py           # the full comparison
    python benchmarks/bench_variants.py --quick   # a tiny run
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

COMMON = dict(output_activation="sigmoid", batch_size=32, epochs=1000, early_stopping=True, n_iter_no_change=20)
NETWORKS = {
    "dense 64-32-8-32-64": dict(hidden_layer_sizes=(32,)),
    "dense 64-64-8-64-64": dict(hidden_layer_sizes=(64,)),
    "convolutional, filters (8, 16)": dict(hidden_layer_sizes=(8, 16), image_shape=(8, 8)),
    "convolutional, filters (16, 32)": dict(hidden_layer_sizes=(16, 32), image_shape=(8, 8)),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_variants.json"))
    args = parser.parse_args(argv)

    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    from skautoencoder import AutoencoderTransformer, reconstruction_error

    X = load_digits().data / 16
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    from _report import machine, publish

    common = {**COMMON, "epochs": 2} if args.quick else COMMON
    # TensorFlow starts in this fit, not in the first one timed.
    AutoencoderTransformer(2, hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X_train[:100])
    rows = [
        {
            "network": "PCA",
            "parameters": 8 * 64 + 64,
            "mse": reconstruction_error(PCA(8).fit(X_train), X_test),
            "fit_s": 0.0,
        }
    ]
    for name, params in NETWORKS.items():
        model = AutoencoderTransformer(8, **common, **params, random_state=0)
        start = time.perf_counter()
        model.fit(X_train)
        seconds = time.perf_counter() - start
        parameters = model.encoder_.count_params() + model.decoder_.count_params()
        rows.append(
            {
                "network": name,
                "parameters": parameters,
                "mse": reconstruction_error(model, X_test),
                "fit_s": seconds,
                "epochs": model.n_iter_,
            }
        )
        print(f"  {name}: {rows[-1]}", file=sys.stderr)
    lines = ["| k = 8 | parameters | held-out MSE | epochs | fit s |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['network']} | {r['parameters']:,} | {r['mse']:.4f} | {r.get('epochs', '–')} | {r['fit_s']:.1f} |"
        )
    publish({"machine": machine(), "rows": rows}, "\n".join(lines), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
