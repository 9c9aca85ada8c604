"""Grid searches in parallel: one job, two worker processes, two threads.

README's opening example (a ``GridSearchCV`` of PCA and autoencoders in a
``Pipeline`` on the digits, 6 candidates x 3 folds and a refit) with
``n_jobs=1``, with ``n_jobs=2`` on joblib's default process backend (each
worker process starts TensorFlow), and with ``n_jobs=2`` inside
``joblib.parallel_backend("threading")``. Each is timed in a fresh process
(so that each starts TensorFlow as a user's script would), twice each, and
the best scores must agree.

    python benchmarks/bench_search.py
    python benchmarks/bench_search.py --quick   # 2 epochs, 600 rows
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _report import machine, publish  # noqa: E402

SEARCH = """
import json, sys, time, warnings
import joblib
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler
from skautoencoder import AutoencoderTransformer

mode, epochs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
X, y = load_digits(return_X_y=True)
X, y = X[:rows], y[:rows]
autoencoder = AutoencoderTransformer(epochs=epochs, early_stopping=False, random_state=0)
pipe = Pipeline([("scale", MinMaxScaler()), ("reduce", autoencoder), ("classify", LogisticRegression(max_iter=1000))])
grid = [{"reduce": [PCA()], "reduce__n_components": [4, 8]},
        {"reduce__hidden_layer_sizes": [(64,), (128, 64)], "reduce__n_components": [4, 8]}]
start = time.perf_counter()
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    if mode == "threads":
        with joblib.parallel_backend("threading"):
            search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    else:
        search = GridSearchCV(pipe, grid, cv=3, n_jobs=1 if mode == "one job" else 2).fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "scores": search.cv_results_["mean_test_score"].tolist(),
                  "warnings": sorted({f"{w.category.__name__}: {str(w.message)[:120]}" for w in caught})}))
"""

MODES = ("one job", "processes", "threads")


def run(mode, epochs, rows):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", SEARCH, mode, str(epochs), str(rows)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_search.json"))
    args = parser.parse_args(argv)
    epochs, rows = (2, 600) if args.quick else (30, 1797)
    runs = {mode: [run(mode, epochs, rows) for _ in range(1 if args.quick else args.repeats)] for mode in MODES}
    baseline = runs["one job"][0]["scores"]
    # A NaN score (a failed fit) counts as an infinite difference: max() alone would skip it.
    largest_difference = max(
        abs(a - b) if not (math.isnan(a) or math.isnan(b)) else math.inf
        for mode in MODES
        for result in runs[mode]
        for a, b in zip(result["scores"], baseline)
    )
    seconds = {mode: statistics.median(r["seconds"] for r in results) for mode, results in runs.items()}
    lines = [
        f"README's opening grid search (6 candidates x 3 folds + refit, {epochs} epochs, {rows} rows), "
        "a fresh process each, "
        f"median of {len(runs['one job'])}; {machine()}",
        "",
        "| joblib | seconds | vs one job | warnings |",
        "| --- | --- | --- | --- |",
    ]
    for mode in MODES:
        warned = sorted({w for r in runs[mode] for w in r["warnings"]})
        lines.append(
            f"| {'n_jobs=1' if mode == 'one job' else 'n_jobs=2, ' + mode} | {seconds[mode]:.1f} | "
            f"{seconds[mode] / seconds['one job']:.2f}x | {len(warned)} kinds: {'; '.join(warned) or '-'} |"
        )
    lines.append("")
    lines.append(f"Largest difference of a mean test score from the one-job search: {largest_difference:.2g}.")
    publish(
        {
            "epochs": epochs,
            "rows": rows,
            "seconds": seconds,
            "runs": runs,
            "largest_score_difference": largest_difference,
        },
        "\n".join(lines),
        args.output,
    )


if __name__ == "__main__":
    main()
