"""The benchmark scripts run (at a tiny size) and report what they promise."""

import json
import pathlib
import subprocess
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def test_bench_speed_quick_run_prints_tables_and_writes_json(tmp_path):
    output = tmp_path / "speed.json"
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_speed.py"), "--quick", "--output", str(output)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| network | trainer |" in result.stdout and "| encoder of (a) |" in result.stdout
    report = json.loads(output.read_text())
    for by_trainer in report["training"].values():
        assert set(by_trainer) == {"skautoencoder", "plain Keras script", "MLPRegressor"}
        assert all(r["seconds"] > 0 and 0 < r["final_mse"] < 1 for r in by_trainer.values())
    assert set(report["inference"]) == {"skautoencoder transform", "PCA.transform", "Keras predict"}
    assert [r["rows"] for r in report["scaling"]] == [1000, 2000]
