"""The skautoencoder command: each subcommand, its files, and bad input."""

import csv
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris

from skautoencoder.cli import main


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def assert_png(path):
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


@pytest.fixture
def iris_csv(tmp_path):
    data = load_iris()
    path = tmp_path / "iris.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        for row, label in zip(data.data, data.target):
            writer.writerow([*row, label])
    return path


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_demo_prints_a_table_and_writes_figures(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path / "out"), "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "| method | held-out MSE | trustworthiness (k=5) | 5-NN accuracy | fit s |" in out
    assert "| PCA |" in out and "| autoencoder |" in out and "| autoencoder, neighbor_weight=0 |" in out
    for name in ("codes.png", "reconstructions.png", "loss_curve.png"):
        assert_png(tmp_path / "out" / name)


def test_demo_refuses_to_overwrite_without_force(tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "codes.png").write_bytes(b"keep me")
    assert main(["demo", "--output", str(folder), "--epochs", "1"]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert (folder / "codes.png").read_bytes() == b"keep me"


def test_embed_writes_codes_and_scatter_and_reuses_a_saved_model(iris_csv, tmp_path):
    out = tmp_path / "out"
    model = tmp_path / "iris.skae"
    status = main(
        [
            "embed",
            str(iris_csv),
            "--label",
            "species",
            "--output",
            str(out),
            "--epochs",
            "3",
            "--save-model",
            str(model),
        ]
    )
    assert status == 0
    rows = read_csv(out / "iris_codes.csv")
    assert rows[0] == ["code0", "code1", "label"] and len(rows) == 151
    assert_png(out / "iris_codes.png")
    first_codes = np.array([[float(v) for v in r[:2]] for r in rows[1:]])

    again = tmp_path / "again"
    assert main(["embed", str(iris_csv), "--label", "4", "--model", str(model), "--output", str(again)]) == 0
    second_codes = np.array([[float(v) for v in r[:2]] for r in read_csv(again / "iris_codes.csv")[1:]])
    np.testing.assert_allclose(second_codes, first_codes, rtol=1e-6)


def test_embed_without_header_or_label(tmp_path):
    path = tmp_path / "plain.csv"
    np.savetxt(path, np.random.RandomState(0).rand(30, 5), delimiter=",")
    assert main(["embed", str(path), "--output", str(tmp_path), "--epochs", "2"]) == 0
    rows = read_csv(tmp_path / "plain_codes.csv")
    assert rows[0] == ["code0", "code1"] and len(rows) == 31


def test_compare_writes_the_error_curve(iris_csv, tmp_path):
    args = ["compare", str(iris_csv), "--label", "species", "--n-components", "1,2,3,9", "--epochs", "3"]
    assert main(args + ["--output", str(tmp_path)]) == 0
    rows = read_csv(tmp_path / "iris_compare.csv")
    assert rows[0] == ["n_components", "PCA held-out MSE", "autoencoder held-out MSE"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]  # 9 exceeds the 4 features
    pca = [float(r[1]) for r in rows[1:]]
    assert pca == sorted(pca, reverse=True)
    assert_png(tmp_path / "iris_compare.png")


BAD_FILES = {
    "empty": ("", "the file is empty"),
    "only_header": ("a,b,c\n", "there are no data rows"),
    "text_cell": ("a,b\n1,2\n3,hello\n", "the cell 'hello' in row 3 of column 'b' is not a number"),
    "missing_cell": ("a,b\n1,2\n,4\n", "1 feature cell is empty or NA: 'a' 1 (first at row 3); pass --drop-incomplete"),
    "nan_cell": ("1,2\n3,nan\n", "1 feature cell is empty or NA: 'column1' 1 (first at row 2)"),
    "infinite_cell": ("1,2\n3,inf\n", "row 2 of column 'column1' holds inf (infinite values are not allowed"),
    "ragged": ("1,2,3\n4,5\n6,7,8\n", "row 2 has 2 cells, expected 3"),
    "metadata_line": ("3,2,yes,no\n1,2,0\n3,4,1\n5,6,0\n", "looks like scikit-learn's metadata line"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["embed", "compare"])
def test_bad_files_give_one_line_errors(tmp_path, capsys, name, command):
    content, message = BAD_FILES[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(content)
    assert main([command, str(path), "--output", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["embed", "missing.csv"], "missing.csv: no such file"),
        (["embed", "{iris}", "--label", "colour"], "there is no column named 'colour'"),
        (["embed", "{iris}", "--label", "7"], "there is no column 7"),
        (["embed", "{iris}", "--model", "nowhere.skae"], "nowhere.skae: no such file"),
    ],
)
def test_bad_arguments_give_one_line_errors(iris_csv, tmp_path, capsys, args, message):
    args = [a.replace("{iris}", str(iris_csv)) for a in args] + ["--output", str(tmp_path)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # four processes, each importing the package
def test_console_script_help_for_each_subcommand():
    for command in ([], ["demo"], ["embed"], ["compare"]):
        result = subprocess.run(
            [sys.executable, "-m", "skautoencoder", *command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0 and "usage: skautoencoder" in result.stdout


def test_a_failing_command_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    result = subprocess.run(
        [sys.executable, "-m", "skautoencoder", "embed", str(path), "--output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "not a UTF-8 text file" in result.stderr


@pytest.mark.slow  # a fresh process: TensorFlow's start and first compilations
def test_a_fresh_embed_prints_no_framework_log_lines_and_quiet_prints_nothing(tmp_path):
    path = tmp_path / "points.csv"
    np.savetxt(path, np.random.RandomState(0).rand(60, 5), delimiter=",", header="a,b,c,d,e", comments="")
    command = [sys.executable, "-m", "skautoencoder", "embed", str(path), "--epochs", "3", "--output", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    framework_lines = [line for line in result.stderr.splitlines() if line[:5] in ("I0000", "W0000")]
    assert framework_lines == [] and "XLA" not in result.stderr, result.stderr
    # Not a terminal: progress comes as whole lines, never redrawn with "\r".
    assert "\r" not in result.stdout and "epoch 1/3" in result.stdout
    quiet = subprocess.run(command + ["--quiet", "--force"], capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and quiet.stdout == ""
    # Warnings still come, one line each (3 epochs cannot converge).
    assert all(line.startswith("skautoencoder embed: warning: ") for line in quiet.stderr.splitlines())
