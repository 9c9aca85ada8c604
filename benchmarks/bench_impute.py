"""Imputation of missing values: AutoencoderImputer against scikit-learn's imputers.

For each table, a share of its observed entries (10% and 30%) is removed at
random; every imputer is fitted on the table with the entries removed (and
the missing values it has already), and its RMSE is measured on the removed
entries, in units of each column's standard deviation, so that tables and
columns compare. The imputers: ``SimpleImputer(strategy="mean")``,
``KNNImputer()``, ``IterativeImputer(random_state=0)`` and
``AutoencoderImputer(random_state=0)``, each with its defaults.

Tables: two real tables with missing values of their own (vega_datasets'
cars, statsmodels' World Bank fertility rates by country and year), and
complete ones: scikit-learn's diabetes, wine, breast cancer and digits,
statsmodels' US macroeconomic data and vega_datasets' Seattle weather. The
full run needs ``pip install statsmodels vega_datasets``; ``--quick`` uses
scikit-learn's diabetes and wine only.

Usage::

    python benchmarks/bench_impute.py            # every table, 10% and 30% removed, 3 draws
    python benchmarks/bench_impute.py --quick    # diabetes and wine, one draw
"""

import argparse
import json
import os
import sys
import time
import warnings

import numpy as np


def sklearn_tables():
    from sklearn import datasets

    return {
        "diabetes": datasets.load_diabetes().data,
        "wine": datasets.load_wine().data,
        "breast cancer": datasets.load_breast_cancer().data,
        "digits": datasets.load_digits().data,
    }


def package_tables():
    """Real tables that statsmodels and vega_datasets ship; the first two hold missing values."""
    import statsmodels.api as sm
    from vega_datasets import data

    cars = data.cars()[["Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration"]]
    fertility = sm.datasets.fertility.load_pandas().data
    fertility = fertility[[column for column in fertility.columns if column.isdigit()]]
    macro = sm.datasets.macrodata.load_pandas().data.drop(columns=["year", "quarter"])
    weather = data.seattle_weather()[["precipitation", "temp_max", "temp_min", "wind"]]
    return {
        "cars (has NaN)": cars.to_numpy(dtype=float),
        "fertility (has NaN)": fertility.to_numpy(dtype=float),
        "US macro": macro.to_numpy(dtype=float),
        "Seattle weather": weather.to_numpy(dtype=float),
    }


def imputers():
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

    from skautoencoder import AutoencoderImputer

    return {
        "SimpleImputer(mean)": lambda: SimpleImputer(strategy="mean"),
        "KNNImputer": lambda: KNNImputer(),
        "IterativeImputer": lambda: IterativeImputer(random_state=0),
        "AutoencoderImputer": lambda: AutoencoderImputer(random_state=0),
    }


def remove_entries(X, share, seed):
    """``X`` with ``share`` of its observed entries set to NaN, and where they were.

    Every row keeps at least one observed entry, and every column at least two.
    """
    rng = np.random.RandomState(seed)
    removed = (rng.rand(*X.shape) < share) & ~np.isnan(X)
    observed_left = ~np.isnan(X) & ~removed
    for row in np.flatnonzero(observed_left.sum(axis=1) == 0):
        keep = rng.choice(np.flatnonzero(~np.isnan(X[row])))
        removed[row, keep] = False
    for column in np.flatnonzero((~np.isnan(X) & ~removed).sum(axis=0) < 2):
        removed[:, column] = False
    X_removed = X.copy()
    X_removed[removed] = np.nan
    return X_removed, removed


def scaled_rmse(X, X_imputed, removed):
    """RMSE over the removed entries, each in units of its column's observed standard deviation."""
    scale = np.nanstd(X, axis=0)
    scale[~(scale > 0)] = 1.0
    errors = ((X_imputed - X) / scale)[removed]
    return float(np.sqrt(np.mean(errors**2)))


def run(tables, shares, seeds):
    rows = []
    for table, X in tables.items():
        # Columns constant on their observed entries carry nothing to impute,
        # and rows with no observed entry nothing to measure.
        X = X[:, np.nanstd(X, axis=0) > 0]
        X = X[~np.isnan(X).all(axis=1)]
        for share in shares:
            for seed in seeds:
                X_removed, removed = remove_entries(X, share, seed)
                for name, make in imputers().items():
                    started = time.perf_counter()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        X_imputed = make().fit_transform(X_removed)
                    row = dict(
                        table=table,
                        shape=list(X.shape),
                        already_missing=float(np.isnan(X).mean()),
                        removed=share,
                        seed=seed,
                        imputer=name,
                        rmse=scaled_rmse(X, X_imputed, removed),
                        seconds=time.perf_counter() - started,
                    )
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    return rows


def summary(rows):
    """Median RMSE per table, share and imputer; the autoencoder's standing against each peer."""
    names = list(imputers())
    groups = {}
    for row in rows:
        groups.setdefault((row["table"], row["removed"]), {}).setdefault(row["imputer"], []).append(row["rmse"])
    lines = [
        "| table | rows x columns | already missing | removed | " + " | ".join(names) + " | best |",
        "|---|---|---|---|" + "---|" * (len(names) + 1),
    ]
    wins = {name: 0 for name in names if name != "AutoencoderImputer"}
    shapes = {row["table"]: row["shape"] for row in rows}
    already = {row["table"]: row["already_missing"] for row in rows}
    for (table, share), by_imputer in groups.items():
        medians = {name: float(np.median(by_imputer[name])) for name in names}
        best = min(medians, key=medians.get)
        for peer in wins:
            wins[peer] += medians["AutoencoderImputer"] < medians[peer]
        cells = " | ".join(f"{medians[name]:.3f}" for name in names)
        rows_by_columns = f"{shapes[table][0]:,} x {shapes[table][1]}"
        lines.append(f"| {table} | {rows_by_columns} | {already[table]:.1%} | {share:.0%} | {cells} | {best} |")
    lines += [
        "",
        f"Table and share pairs (of {len(groups)}) where AutoencoderImputer has the lower median RMSE: "
        + ", ".join(f"{count} against {peer}" for peer, count in wins.items())
        + ".",
    ]
    return "\n".join(lines), wins, len(groups)


def main():
    from _report import machine, publish

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="diabetes and wine, one draw")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_impute.json"))
    args = parser.parse_args()
    tables = sklearn_tables()
    if args.quick:
        tables = {name: tables[name] for name in ("diabetes", "wine")}
        shares, seeds = [0.1], [0]
    else:
        tables = {**package_tables(), **tables}
        shares, seeds = [0.1, 0.3], [0, 1, 2]
    rows = run(tables, shares, seeds)
    table, wins, pairs = summary(rows)
    publish({"machine": machine(), "rows": rows, "wins": wins, "pairs": pairs}, table, args.output)


if __name__ == "__main__":
    main()
