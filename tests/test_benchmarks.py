"""The benchmark scripts run (at a tiny size) and report what they promise."""

import contextlib
import importlib.util
import io
import json
import pathlib
import sys
import types
import warnings

import pytest

pytestmark = pytest.mark.slow

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def run_quick(script, *args):
    """Run a benchmark script at its tiny size, as ``python SCRIPT --quick ARGS`` would, in this process.

    The script is loaded as a module of its own name (so that the processes
    it starts can import its functions), with its folder first on the import
    path as Python puts it, and its ``main`` called with that command line;
    its standard output is returned as ``result.stdout``.
    Running it here rather than in a new Python spares each test a start of
    TensorFlow (about 4 s); what the script measures in fresh processes, it
    starts itself. Its warnings are the script's to handle, as they would be
    on its own standard error.
    """
    path = BENCHMARKS / script
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    stdout = io.StringIO()
    command_line = sys.argv
    sys.argv = [str(path), "--quick", *map(str, args)]
    sys.path.insert(0, str(BENCHMARKS))
    sys.modules[path.stem] = module
    try:
        with contextlib.redirect_stdout(stdout), warnings.catch_warnings(record=True):
            spec.loader.exec_module(module)
            status = module.main()
    finally:
        sys.argv = command_line
        sys.path.remove(str(BENCHMARKS))
        del sys.modules[path.stem]
    assert not status, f"{script} --quick exited with {status}"
    return types.SimpleNamespace(stdout=stdout.getvalue())


def test_bench_speed_quick_run_prints_tables_and_writes_json(tmp_path):
    output = tmp_path / "speed.json"
    result = run_quick("bench_speed.py", "--output", output)
    assert "| network | trainer |" in result.stdout and "| encoder of (a) |" in result.stdout
    report = json.loads(output.read_text())
    for by_trainer in report["training"].values():
        assert set(by_trainer) == {
            "skautoencoder",
            "plain Keras script",
            "Keras tuned",
            "Keras tuned + XLA",
            "MLPRegressor",
        }
        assert all(r["seconds"] > 0 and 0 < r["final_mse"] < 1 for r in by_trainer.values())
    assert set(report["inference"]) == {"skautoencoder transform", "PCA.transform", "Keras predict"}
    assert [r["rows"] for r in report["scaling"]] == [1000, 2000]
    short = report["short_fits"]
    # 12 fits, 6 of them 2-D codes of under 2,000 rows, which also train reconstruction alone.
    assert short["grid fits"] == 18 and short["grid / training loop"] >= 1
    assert short["partial_fit warm call ms"] > 0 and short["fit(epochs=1) s"] > 0
    assert {r["variant"] for r in report["variants"]} >= {"plain", "dropout", "variational", "tied weights"}
    assert all(r["epoch s"] > 0 and r["epoch s with neighbours"] > 0 for r in report["variants"])
    assert "| variant (seconds per epoch, compiled) |" in result.stdout
    for threads in report["dispatch"]["steps"].values():
        assert len(threads["compiled_epoch"]) == 5 and all(us > 0 for us in threads["compiled_epoch"].values())
    assert set(report["first_fits"]) == {"library (no AutoGraph)", "with AutoGraph"}
    assert all(seconds > 0 for r in report["first_fits"].values() for seconds in r.values())


def test_bench_vs_pca_quick_run_writes_table_json_and_plot(tmp_path):
    result = run_quick("bench_vs_pca.py", "--output", tmp_path)
    assert "| data set | scaling | k | PCA MSE | AE MSE |" in result.stdout
    report = json.loads((tmp_path / "bench_vs_pca.json").read_text())
    datasets = {r["dataset"] for r in report["results"]}
    assert {"digits", "iris", "wine", "breast cancer", "diabetes", "S-curve in 64-D"} <= datasets
    digits_runs = [(r["scaling"], r["k"]) for r in report["results"] if r["dataset"] == "digits"]
    # The quick run's sizes; the full run sweeps 2, 4, 8, 16, 32.
    assert digits_runs == [("raw", 2), ("raw", 8), ("min-max", 2), ("min-max", 8)]
    assert all(r["k"] < r["n_features"] for r in report["results"])
    assert (tmp_path / "bench_vs_pca.png").stat().st_size > 10_000


def test_bench_variants_quick_run(tmp_path):
    output = tmp_path / "variants.json"
    run_quick("bench_variants.py", "--output", output)
    rows = json.loads(output.read_text())["rows"]
    assert [r["network"] for r in rows][0] == "PCA" and len(rows) == 5
    assert all(r["parameters"] > 0 and 0 < r["mse"] < 1 for r in rows)


def test_bench_scale_quick_run_reports_data_search_and_many_fits(tmp_path):
    output = tmp_path / "scale.json"
    result = run_quick("bench_scale.py", "--output", output)
    assert "| rows | data | data (MB) |" in result.stdout and "| sequential fits |" in result.stdout
    report = json.loads(output.read_text())
    assert [(r["rows"], r["storage"]) for r in report["data"]] == [(20000, "in memory"), (20000, "memmap")]
    assert all(r["fit_seconds"] > 0 and r["peak_rss_mb"] >= r["rss_before_mb"] for r in report["data"])
    assert report["search"]["largest_score_difference"] < 1e-6  # the cluster found the same scores
    pooled, unpooled = report["many_fits"]
    assert pooled["pooled"] and not unpooled["pooled"] and pooled["fits"] == 7


def test_bench_defaults_quick_run_summarises_each_candidate(tmp_path):
    output = tmp_path / "defaults.json"
    result = run_quick("bench_defaults.py", "--candidates", "pca-es10", "--output", output)
    assert "| candidate | worst AE/PCA |" in result.stdout
    report = json.loads(output.read_text())
    (summary,) = report["summaries"]
    # The quick run: k = 2 on five data sets, each raw, min-max and standardised.
    assert summary["candidate"] == "pca-es10" and summary["rows"] == 15
    assert all(r["ratio"] > 0 and r["fit_s"] > 0 for r in report["results"])


def test_bench_floor_quick_run_summarises_each_table_and_all(tmp_path):
    output = tmp_path / "floor.json"
    result = run_quick("bench_floor.py", "--maps", "--output", output)
    assert "| table | rows x columns | cases | worst AE/PCA | 95th pct | > 2% worse | median |" in result.stdout
    assert "| map kept | defaults | nw=0 | UMAP | fit s | UMAP s |" in result.stdout
    report = json.loads(output.read_text())
    assert set(report["per_table"]) == {"swiss roll in 12-D", "tanh manifold in 20-D"}
    assert report["overall"]["cases"] == len(report["results"]) == 8
    assert all(r["ratio"] > 0 and r["fit_s"] > 0 for r in report["results"])
    # The held-out rows' bootstrap interval holds the held-out ratio (to float rounding).
    for low, high in (r["ratio_interval"] for r in report["results"]):
        assert 0 < low <= high
    assert all(r["ratio_interval"][0] <= r["ratio"] * (1 + 1e-6) for r in report["results"])
    assert all(r["ratio"] <= r["ratio_interval"][1] * (1 + 1e-6) for r in report["results"])
    assert 0 <= report["overall"]["share_sure_over_1.02"] <= report["overall"]["share_over_1.02"] + 1e-12
    assert len(report["maps"]) == 4 and all(r["kept"] in ("map", "reconstruction") for r in report["results"])
    assert all(0 < r["trustworthiness_umap"] <= 1 for r in report["results"])


def test_bench_cross_fitting_quick_run_compares_the_shipped_floor_with_the_cross_fitted_rule(tmp_path):
    output = tmp_path / "cross_fitting.json"
    result = run_quick("bench_cross_fitting.py", "--output", output)
    assert "| as shipped (validation rows) | 1 |" in result.stdout and "| cross-fitted bound | 1 |" in result.stdout
    (case,) = json.loads(output.read_text())["results"]
    assert case["ratio"] > 0 and case["fit_s"] > 0 and case["folds_s"] > 0
    # The rule keeps the shipped result where the folds beat PCA, and the PCA start elsewhere.
    assert case["cross_fitted_ratio"] == (case["ratio"] if case["cross_fitted_bound"] < -1e-6 else 1.0)


def test_bench_csv_quick_run_times_the_command_line_reader(tmp_path):
    output = tmp_path / "csv.json"
    result = run_quick("bench_csv.py", "--output", output)
    assert "| skautoencoder (command line reader) |" in result.stdout
    report = json.loads(output.read_text())
    assert report["rows"] == 2500 and all(s > 0 for s in report["seconds"].values())


def test_bench_maps_quick_run_measures_every_method_and_draws_the_maps(tmp_path):
    result = run_quick("bench_maps.py", "--output", tmp_path)
    assert "| data | method | trustworthiness | 5-NN accuracy |" in result.stdout
    report = json.loads((tmp_path / "bench_maps.json").read_text())
    methods = {r["method"] for r in report["results"]}
    assert methods == {"PCA", "autoencoder (defaults)", "autoencoder, neighbor_weight=0", "UMAP"}
    assert {r["data"] for r in report["results"]} == {"digits [0, 1]", "S-curve in 64-D"}
    assert all(0 < r["trustworthiness"] <= 1 and r["one-row transform ms"] > 0 for r in report["results"])
    assert (tmp_path / "bench_maps.png").stat().st_size > 10_000


def test_bench_search_quick_run_times_one_job_processes_and_threads_with_the_same_scores(tmp_path):
    output = tmp_path / "search.json"
    result = run_quick("bench_search.py", "--output", output)
    assert "| n_jobs=2, threads |" in result.stdout
    report = json.loads(output.read_text())
    assert set(report["seconds"]) == {"one job", "processes", "threads"}
    assert report["largest_score_difference"] < 1e-9


def test_bench_scale_maps_quick_run_times_each_stage_and_the_growth(tmp_path):
    output = tmp_path / "scale_maps.json"
    result = run_quick("bench_scale_maps.py", "--skip-umap", "--scaling", "--epochs", 2, "--output", output)
    assert "| data | storage | method | graph (s) |" in result.stdout and "| neighbour graph |" in result.stdout
    report = json.loads(output.read_text())
    assert [(r["data"], r["storage"]) for r in report["results"]] == [
        ("3,000 x 784", "in memory"),
        ("8,000 x 64", "memmap"),
    ]
    for measured in report["results"]:
        assert measured["epochs"] == 2 and measured["graph"]["method"] == "exact"
        assert 0.5 < measured["trustworthiness"] <= 1 and measured["peak_anonymous_mb"] > 0
    assert set(report["scaling"]) == {"800", "8000"}


def test_bench_neighbor_graph_quick_run_measures_recall_and_time(tmp_path):
    output = tmp_path / "graph.json"
    result = run_quick("bench_neighbor_graph.py", "--output", output)
    assert "| rows | features | method | seconds | recall of the 15 nearest |" in result.stdout
    rows = json.loads(output.read_text())["rows"]
    for method in ("faiss HNSW", "library on disk"):
        method_rows = [row for row in rows if row["method"] == method]
        assert len(method_rows) == 2 and all(row["recall"] > 0.9 and row["same"] for row in method_rows)


def test_bench_small_graph_quick_run_times_both_searches_and_finds_the_same_graph(tmp_path):
    output = tmp_path / "small_graph.json"
    result = run_quick("bench_small_graph.py", "--output", output)
    assert "| rows | training rows | NumPy search ms | NearestNeighbors ms |" in result.stdout
    rows = json.loads(output.read_text())["rows"]
    assert [row["rows"] for row in rows] == [64, 256]
    assert all(row["same"] and row["numpy_ms"] > 0 and row["index_ms"] > 0 for row in rows)


def test_bench_impute_quick_run_compares_the_imputers_on_removed_entries(tmp_path):
    output = tmp_path / "impute.json"
    result = run_quick("bench_impute.py", "--output", output)
    assert "| table | rows x columns | already missing | removed | SimpleImputer(mean) |" in result.stdout
    report = json.loads(output.read_text())
    assert {row["table"] for row in report["rows"]} == {"diabetes", "wine"} and report["pairs"] == 2
    by_imputer = {(row["table"], row["imputer"]): row["rmse"] for row in report["rows"]}
    for table in ("diabetes", "wine"):
        # Each RMSE is in units of the columns' standard deviations: the means score about 1.
        assert 0.9 < by_imputer[(table, "SimpleImputer(mean)")] < 1.1
        assert by_imputer[(table, "AutoencoderImputer")] < by_imputer[(table, "SimpleImputer(mean)")]


def test_bench_labels_quick_run_measures_accuracy_and_error(tmp_path):
    output = tmp_path / "labels.json"
    result = run_quick("bench_labels.py", "--output", output)
    assert "| label_weight | labelled | held-out 5-NN accuracy |" in result.stdout
    rows = json.loads(output.read_text())["rows"]
    assert [(row["label_weight"], row["labelled"]) for row in rows] == [(0.0, 0.0), (1.0, 1.0), (1.0, 0.1)]
    assert all(0.1 < row["accuracy"] <= 1 and row["mse_over_pca"] > 0 for row in rows)


def test_bench_sparse_quick_run_measures_memory(tmp_path):
    output = tmp_path / "sparse.json"
    result = run_quick("bench_sparse.py", "--skip-text", "--output", output)
    assert "| rows | features | density |" in result.stdout
    memory = json.loads(output.read_text())["memory"]
    assert memory["rows"] == 5_000 and memory["codes_finite"] and memory["peak_rss_mb"] > 0


def test_bench_patience_quick_run_fits_each_patience(tmp_path):
    output = tmp_path / "patience.json"
    result = run_quick("bench_patience.py", "--output", output)
    assert "| rows | patience | epochs | fit (s) |" in result.stdout
    rows = json.loads(output.read_text())["results"]
    assert [(r["rows"], r["patience"]) for r in rows] == [(2000, "auto (rows)"), (2000, "30 epochs")]
    for r in rows:
        assert r["epochs"] >= 1 and 0.5 < r["trustworthiness"] <= 1 and r["mse_vs_pca"] > 0


def test_bench_map_cost_quick_run_times_the_map_umap_and_partial_fit(tmp_path):
    output = tmp_path / "map_cost.json"
    result = run_quick("bench_map_cost.py", "--output", output)
    assert "| table | rows x columns | defaults s |" in result.stdout and "| map / nw=0 |" in result.stdout
    measured = json.loads(output.read_text())
    (table,) = measured["tables"]
    assert table["rows"] == 150 and table["kept"] in ("map", "reconstruction")
    assert min(table["defaults_s"], table["reconstruction_alone_s"], table["umap_s"]) > 0
    assert measured["partial_fit"]["map_s"] > 0 and measured["partial_fit"]["alone_s"] > 0
