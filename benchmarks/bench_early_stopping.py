"""Early stopping on the source tutorials' own networks: does it stop when training stops paying?

Each network of ``bench_speed.NETWORKS`` (the first tutorial's 64-32-2-32-64
sigmoid network at batch 8 for 500 epochs, the last tutorial's 64-32-64
binary cross-entropy network at batch 256 for 100 epochs) is fitted on the
digits scaled to [0, 1] with 25% held out, for each split seed, twice: with
the library's default early stopping, and with ``early_stopping=False`` for
the tutorial's epochs. The table gives, per network, the held-out MSE of each
and their ratio, the epochs run and the fit seconds.

    python benchmarks/bench_early_stopping.py               # splits 0, 1, 2
    python benchmarks/bench_early_stopping.py --quick       # a tiny run
"""

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _report import machine, publish  # noqa: E402
from bench_speed import NETWORKS, library_model  # noqa: E402


def fit_and_measure(net, X_train, X_test, seed, early_stopping, epochs):
    model = library_model(net, seed, epochs=epochs, early_stopping=early_stopping)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train)
    seconds = time.perf_counter() - start
    mse = float(np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2))
    return {"held-out MSE": mse, "epochs run": model.n_iter_, "fit s": seconds}


def run(splits, quick):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    results = []
    for name, net in NETWORKS.items():
        epochs = 3 if quick else net["epochs"]
        for split in splits:
            X_train, X_test = train_test_split(X / 16.0, test_size=0.25, random_state=split, stratify=y)
            if quick:
                X_train, X_test = X_train[:200], X_test[:50]
            stopped = fit_and_measure(net, X_train, X_test, split, True, epochs)
            full = fit_and_measure(net, X_train, X_test, split, False, epochs)
            row = {
                "network": name,
                "split": split,
                "early stopping": stopped,
                "full run": full,
                "ratio": stopped["held-out MSE"] / full["held-out MSE"],
            }
            results.append(row)
            print(
                f"  {name}, split {split}: ratio {row['ratio']:.3f}, epochs {stopped['epochs run']} of {epochs}",
                file=sys.stderr,
            )
    return results


def table(results):
    lines = [
        "| network | held-out MSE, early stopping | full run | ratio (median, range) | epochs "
        "run | fit s, early stopping / full |",
        "|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(r["network"] for r in results):
        rows = [r for r in results if r["network"] == name]
        ratios = [r["ratio"] for r in rows]

        def median(part, measure):
            return statistics.median(r[part][measure] for r in rows)

        lines.append(
            f"| {name} | {median('early stopping', 'held-out MSE'):.4f} | {median('full run', 'held-out MSE'):.4f} | "
            f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | "
            f"{', '.join(str(r['early stopping']['epochs run']) for r in rows)} of "
            f"{rows[0]['full run']['epochs run']} | "
            f"{median('early stopping', 'fit s'):.1f} / {median('full run', 'fit s'):.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--splits", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="a tiny run, to check the script")
    parser.add_argument(
        "--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_early_stopping.json")
    )
    args = parser.parse_args(argv)
    splits = args.splits[:1] if args.quick else args.splits
    results = run(splits, args.quick)
    publish({"machine": machine(), "splits": splits, "results": results}, table(results), args.output)


if __name__ == "__main__":
    main()
