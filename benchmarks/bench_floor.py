"""The PCA floor on rows nobody tuned on: the defaults against PCA over many random splits of other tables.

The floor's rule (a trained network is kept only where the validation
rows show with 95% confidence that it reconstructs no worse than PCA, and
``validation_fraction="auto"``, which holds out up to 30% of small data)
was chosen on three scikit-learn tables (iris, wine, breast cancer). This
script reports it on tables that took no part in that choice: real tables
that statsmodels and vega_datasets ship, and generated ones. For each
table, raw and standardised (the scaler fitted on the training rows),
each k in 2, 3, 4, 8 below its number of columns, and each of ``--splits``
random 25% held-out splits, the defaults
(``AutoencoderTransformer(n_components=k, random_state=0)``) and ``PCA(k)``
are fitted on the training rows and their held-out mean squared errors
compared. It prints, per table and over all: the worst held-out ratio to
PCA, its 95th percentile, the share of cases more than 2% worse, the
median, and the share of cases more than 2% worse with 95% confidence
over draws of their held-out rows (a bootstrap of those rows: on a few
dozen rows of a heavy-tailed table the held-out ratio is itself
uncertain). With ``--maps``, for each 2-D and 3-D code it also fits the
same estimator for reconstruction alone (``neighbor_weight=0``) and UMAP,
and prints per table the median held-out trustworthiness (5 neighbours) of
each, how often the defaults kept the map, and the fit times.

    pip install statsmodels vega_datasets
    python benchmarks/bench_floor.py --jobs 2            # 20 splits of every table
    python benchmarks/bench_floor.py --tables tuning     # the tables the rule was chosen on (bench_floor_tuning.json)
    python benchmarks/bench_floor.py --maps --jobs 2 --splits 20 --max-rows 400  # the run the guide quotes
    python benchmarks/bench_floor.py --tables large --jobs 2 --max-rows 100000   # the tables of over 400 rows, whole
    python benchmarks/bench_floor.py --quick             # a tiny run, generated tables only
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

from skautoencoder._defaults import MAX_MAP_COMPONENTS, MIN_MAP_COMPONENTS  # noqa: E402

SIZES = (2, 3, 4, 8)
SCALINGS = ("raw", "standard")
# Larger tables are cut to this many rows (a random subset, the same for
# every split; --max-rows), since the map's fit on 1,000 rows takes 10-20 s.
MAX_ROWS = 1000
# The guide's run cuts every table to this many rows; ``--tables large``
# runs the report tables that have more, as large as --max-rows allows.
SMALL_ROWS = 400

STATSMODELS_TABLES = ("anes96", "fair", "macrodata", "modechoice", "star98", "randhie", "grunfeld")
VEGA_TABLES = ("cars", "us-employment", "seattle-weather")
TUNING_TABLES = ("iris", "wine", "breast cancer")


def _numeric(frame):
    return frame.select_dtypes("number").dropna().to_numpy(dtype=float)


def _generated(name):
    rng = np.random.RandomState(0)
    if name == "swiss roll in 12-D":
        from sklearn.datasets import make_swiss_roll

        roll, _ = make_swiss_roll(2000, noise=0.2, random_state=0)
        rotation, _ = np.linalg.qr(rng.normal(size=(12, 12)))
        return np.hstack([roll, 0.1 * rng.normal(size=(2000, 9))]) @ rotation
    # A smooth 3-D manifold in 20 columns, with noise.
    n_rows = 100_000 if name == LARGE_GENERATED_TABLE else 4000
    latent = rng.normal(size=(n_rows, 3))
    return np.tanh(latent @ rng.normal(size=(3, 16))) @ rng.normal(size=(16, 20)) + 0.05 * rng.normal(size=(n_rows, 20))


GENERATED_TABLES = ("swiss roll in 12-D", "tanh manifold in 20-D")
# The same recipe at 100,000 rows (another draw of its weights), run only with ``--tables large``.
LARGE_GENERATED_TABLE = "large tanh manifold in 20-D"


def load_table(name, max_rows=MAX_ROWS):
    """The table's numeric columns as a float array of at most ``max_rows`` rows (a seeded random subset)."""
    if name in GENERATED_TABLES + (LARGE_GENERATED_TABLE,):
        X = _generated(name)
    elif name in TUNING_TABLES:
        from sklearn import datasets

        loader = {"iris": datasets.load_iris, "wine": datasets.load_wine, "breast cancer": datasets.load_breast_cancer}
        X = loader[name]().data.astype(float)
    elif name in VEGA_TABLES:
        from vega_datasets import local_data

        X = _numeric(getattr(local_data, name.replace("-", "_"))())
    else:
        import importlib

        X = _numeric(importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data)
    if len(X) > max_rows:
        X = X[np.random.RandomState(0).choice(len(X), max_rows, replace=False)]
    return X


def per_row_errors(reducer, X):
    """Each row's mean squared reconstruction error."""
    return np.mean((reducer.inverse_transform(reducer.transform(X)) - X) ** 2, axis=1)


def ratio_interval(errors, reference_errors, seed, resamples=2000):
    """The 5th and 95th percentiles of the ratio of mean errors over resamples of the rows: a 90% interval.

    Held-out rows are a sample too: on a few dozen rows of a table whose
    rows' errors are heavy-tailed, the held-out ratio itself is uncertain.
    A case whose 5th percentile is above 1.02 is more than 2% worse than
    PCA with 95% confidence over draws of its held-out rows.
    """
    rng = np.random.RandomState(seed)
    draws = rng.randint(0, len(errors), size=(resamples, len(errors)))
    ratios = errors[draws].mean(axis=1) / np.maximum(reference_errors[draws].mean(axis=1), 1e-300)
    return [float(np.percentile(ratios, 5)), float(np.percentile(ratios, 95))]


def run_task(task):
    """Fit the defaults and PCA on one split of one table; return the held-out ratio."""

    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer

    name, scaling, k, split_seed, max_rows, quick, maps = task
    X = load_table(name, max_rows)
    if quick:
        X = X[:200]
    X_train, X_test, _, _ = split_and_scale(X, None, scaling, split_seed)
    shorter = {"epochs": 3} if quick else {}
    autoencoder = AutoencoderTransformer(k, random_state=0, **shorter)
    fit_seconds = quiet_timed_fit(autoencoder, X_train)
    pca = PCA(k).fit(X_train)
    errors, pca_errors = per_row_errors(autoencoder, X_test), per_row_errors(pca, X_test)
    result = {
        "table": name,
        "rows": len(X),
        "columns": X.shape[1],
        "scaling": scaling,
        "k": k,
        "split": split_seed,
        "ratio": float(np.mean(errors) / np.mean(pca_errors)),
        "ratio_interval": ratio_interval(errors, pca_errors, split_seed),
        "fit_s": fit_seconds,
    }
    if maps and MIN_MAP_COMPONENTS <= k <= MAX_MAP_COMPONENTS:
        result.update(map_measures(autoencoder, X_train, X_test, k, shorter))
    return result


def map_measures(autoencoder, X_train, X_test, k, shorter):
    """Held-out trustworthiness of the defaults, of reconstruction alone and of UMAP; what the defaults kept."""
    import umap

    from skautoencoder import AutoencoderTransformer
    from skautoencoder.metrics import trustworthiness_score

    reconstruction = AutoencoderTransformer(k, neighbor_weight=0.0, random_state=0, **shorter)
    umap_map = umap.UMAP(n_components=k, random_state=0)
    umap_seconds = quiet_timed_fit(umap_map, X_train)
    quiet_timed_fit(reconstruction, X_train)
    choice = autoencoder.map_choice_
    return {
        "kept": choice["kept"] if choice is not None else "map",
        "trustworthiness": trustworthiness_score(X_test, autoencoder.transform(X_test)),
        "trustworthiness_reconstruction": trustworthiness_score(X_test, reconstruction.transform(X_test)),
        "trustworthiness_umap": trustworthiness_score(X_test, umap_map.transform(X_test)),
        "umap_fit_s": umap_seconds,
    }


MAP_MEASURES = ("trustworthiness", "trustworthiness_reconstruction", "trustworthiness_umap", "fit_s", "umap_fit_s")


def map_summary(rows):
    """For k <= 3: median held-out trustworthiness of the defaults, reconstruction alone and UMAP; maps kept."""
    return {
        "cases": len(rows),
        "map_kept": sum(r["kept"] == "map" for r in rows) / len(rows),
        **{f"median_{key}": statistics.median(r[key] for r in rows) for key in MAP_MEASURES},
    }


def maps_markdown(per_case):
    """Per table, scaling and k: how often the map was kept, median held-out trustworthiness, median fit times."""
    lines = [
        "| table | scaling | k | cases | map kept | defaults | nw=0 | UMAP | fit s | UMAP s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, scaling, k), s in per_case.items():
        lines.append(
            f"| {name} | {scaling} | {k} | {s['cases']} | {s['map_kept']:.0%} | {s['median_trustworthiness']:.3f} | "
            f"{s['median_trustworthiness_reconstruction']:.3f} | {s['median_trustworthiness_umap']:.3f} | "
            f"{s['median_fit_s']:.1f} | {s['median_umap_fit_s']:.1f} |"
        )
    return "\n".join(lines)


def _reported(result, index, n_tasks):
    print(
        f"  {index + 1}/{n_tasks} {result['table']} {result['scaling']} k={result['k']} split {result['split']}: "
        f"AE/PCA {result['ratio']:.3f} ({result['fit_s']:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return result


def summary(ratios, intervals=None):
    """Worst, 95th percentile, share more than 2% worse than PCA, median; with ``intervals``, the share sure of it."""
    result = {
        "cases": len(ratios),
        "worst": max(ratios),
        "p95": float(np.percentile(ratios, 95)),
        "share_over_1.02": sum(r > 1.02 for r in ratios) / len(ratios),
        "median": statistics.median(ratios),
    }
    if intervals is not None:
        result["share_sure_over_1.02"] = sum(low > 1.02 for low, _ in intervals) / len(intervals)
    return result


def markdown(per_table, overall):
    lines = [
        "| table | rows x columns | cases | worst AE/PCA | 95th pct | > 2% worse | median | "
        "> 2% worse, 95% sure | fit s (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in list(per_table.items()) + [("all", overall)]:
        shape = f"{s['rows']} x {s['columns']}" if "rows" in s else ""
        lines.append(
            f"| {name} | {shape} | {s['cases']} | {s['worst']:.3f} | {s['p95']:.3f} | "
            f"{s['share_over_1.02']:.1%} | {s['median']:.3f} | {s['share_sure_over_1.02']:.1%} | "
            f"{s.get('fit_s', float('nan')):.1f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tables",
        default="report",
        help=f"report (never tuned on), large (those of more than {SMALL_ROWS} rows, and 100,000 generated), tuning, "
        "or comma-separated names",
    )
    parser.add_argument("--splits", type=int, default=20, help="random held-out splits per case")
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS, help="larger tables are cut to this many rows")
    parser.add_argument("--jobs", type=int, default=1, help="processes, one thread each when above 1")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="code sizes k, comma-separated")
    parser.add_argument(
        "--maps",
        action="store_true",
        help="for k <= 3, also held-out trustworthiness against neighbor_weight=0 and UMAP (bench_floor_maps.json)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes on generated tables: checks that it runs")
    parser.add_argument("--output", help="default: results/bench_floor.json (bench_floor_tuning.json for tuning)")
    args = parser.parse_args(argv)
    name = {"tuning": "bench_floor_tuning.json", "large": "bench_floor_large.json"}.get(args.tables, "bench_floor.json")
    if args.maps:
        name = name.replace(".json", "_maps.json")
    sizes = tuple(int(k) for k in args.sizes.split(","))
    args.output = args.output or os.path.join(os.path.dirname(__file__), "results", name)
    if args.quick:
        names, splits = GENERATED_TABLES, min(args.splits, 2)
    else:
        splits = args.splits
        report = STATSMODELS_TABLES + VEGA_TABLES + GENERATED_TABLES
        names = {
            "report": report,
            "large": tuple(name for name in report if len(load_table(name, SMALL_ROWS + 1)) > SMALL_ROWS)
            + (LARGE_GENERATED_TABLE,),
            "tuning": TUNING_TABLES,
        }.get(args.tables) or tuple(args.tables.split(","))
    shapes = {name: load_table(name, args.max_rows).shape for name in names}
    tasks = [
        (name, scaling, k, split, args.max_rows, args.quick, args.maps)
        for name in names
        for scaling in SCALINGS
        for k in sizes
        if k < shapes[name][1] and not (args.quick and k > 2)
        for split in range(splits)
    ]
    print(f"{len(tasks)} fits on {len(names)} tables; {machine()}", file=sys.stderr)
    started = time.perf_counter()
    results = run_tasks(run_task, tasks, args.jobs, lambda result, i: _reported(result, i, len(tasks)))
    per_table = {}
    for name in names:
        rows = [r for r in results if r["table"] == name]
        per_table[name] = {
            **summary([r["ratio"] for r in rows], [r["ratio_interval"] for r in rows]),
            "rows": shapes[name][0],
            "columns": shapes[name][1],
            "fit_s": statistics.median(r["fit_s"] for r in rows),
        }
    overall = {
        **summary([r["ratio"] for r in results], [r["ratio_interval"] for r in results]),
        "fit_s": statistics.median(r["fit_s"] for r in results),
    }
    report = markdown(per_table, overall)
    per_case = {}
    for key in dict.fromkeys((r["table"], r["scaling"], r["k"]) for r in results if "kept" in r):
        per_case[key] = map_summary([r for r in results if (r["table"], r["scaling"], r["k"]) == key])
    if per_case:
        report += "\n\n" + maps_markdown(per_case)
    publish(
        {
            "machine": machine(),
            "splits": splits,
            "max_rows": args.max_rows,
            "seconds": time.perf_counter() - started,
            "per_table": per_table,
            "overall": overall,
            "maps": [{"table": t, "scaling": sc, "k": k, **s} for (t, sc, k), s in per_case.items()],
            "results": results,
        },
        report,
        args.output,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
