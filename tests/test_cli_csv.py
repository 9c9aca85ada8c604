"""The command line on CSV files nobody here wrote: scikit-learn's bundled files and pandas output."""

import csv
import gzip
import os
import shutil
import signal
import subprocess

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

from skautoencoder import load
from skautoencoder.cli import _commands
from skautoencoder.cli._tables import DataError, read_csv_table

from ._helpers import run_python

SKLEARN_DATA = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data")


@pytest.fixture
def bundled(tmp_path):
    """Copies of scikit-learn's own CSV files, by name."""

    def copy(name):
        target = tmp_path / name
        shutil.copy(os.path.join(SKLEARN_DATA, name), target)
        return target

    return copy


@pytest.fixture
def wine_frame_csv(tmp_path):
    """The wine data as ``DataFrame.to_csv()`` writes it: an index column and text labels."""
    pd = pytest.importorskip("pandas")
    frame = load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "class_0", 1: "class_1", 2: "class_2"})
    path = tmp_path / "wine.csv"
    frame.to_csv(path)
    assert isinstance(frame, pd.DataFrame)
    return path, frame


def codes_cells(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


# -- reading ------------------------------------------------------------------


def test_iris_metadata_line_is_refused_with_the_way_out(bundled):
    with pytest.raises(DataError, match=r"metadata line \(150 rows, 4 features\).*--skip-rows 1"):
        read_csv_table(bundled("iris.csv"), label="4")


def test_a_number_naming_one_column_and_indexing_another_is_ambiguous(bundled):
    path = bundled("iris.csv")
    with pytest.raises(DataError, match="--label 4 is ambiguous: column 1 is named '4' and column 4 is 'virginica'"):
        read_csv_table(path, label="4", header="yes")
    by_index = read_csv_table(path, label="4", header="yes", columns_by="index")
    assert by_index.label_name == "virginica" and set(by_index.labels) == {0, 1, 2}
    by_name = read_csv_table(path, label="4", header="yes", columns_by="name")
    assert by_name.label_name == "4" and "virginica" in by_name.names


@pytest.mark.parametrize(
    "name, label, loader",
    [("iris.csv", "4", load_iris), ("wine_data.csv", "13", load_wine), ("breast_cancer.csv", "-1", load_breast_cancer)],
)
def test_bundled_files_read_exactly_as_scikit_learn_loads_them(bundled, name, label, loader):
    table = read_csv_table(bundled(name), label=label, skip_rows=1)
    expected = loader()
    np.testing.assert_array_equal(table.X, expected.data)
    np.testing.assert_array_equal(table.labels, expected.target)
    assert table.labels.dtype.kind == "i" and not table.has_header


def test_gzip_and_whitespace_separated_files_are_read(bundled):
    table = read_csv_table(bundled("diabetes_data_raw.csv.gz"))
    np.testing.assert_array_equal(table.X, load_diabetes(scaled=False).data)
    assert table.labels is None and table.names[0] == "column0"


def test_the_index_column_pandas_writes_is_dropped_with_a_note(wine_frame_csv):
    path, frame = wine_frame_csv
    table = read_csv_table(path, label="target")
    assert table.names == list(frame.columns[:-1])
    np.testing.assert_array_equal(table.X, frame.iloc[:, :-1].to_numpy())
    assert table.labels.tolist() == frame["target"].tolist()
    assert any("index column" in note for note in table.notes)


@pytest.mark.parametrize("delimiter", [";", "\t", "|", " "])
def test_delimiters_are_found(tmp_path, delimiter):
    path = tmp_path / "data.txt"
    rows = ["a b c".replace(" ", delimiter)] + [delimiter.join(map(str, (i + 10, i * 2.5, i % 3))) for i in range(6)]
    path.write_text("\n".join(rows) + "\n")
    table = read_csv_table(path, label="c")
    assert table.names == ["a", "b"] and table.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert table.X[3].tolist() == [13.0, 7.5]


def test_a_file_of_25000_columns_is_read_and_its_delimiter_found(tmp_path):
    # Under a delimiter it does not hold, each line is one cell of 150,000
    # characters, over Python's csv limit: the delimiter search must not fail.
    values = np.random.RandomState(0).rand(3, 25_000).round(4)
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in values) + "\n")
    assert len(path.read_text().splitlines()[0]) > 131_072
    table = read_csv_table(path, header="no")
    np.testing.assert_array_equal(table.X, values)
    assert csv.field_size_limit() == 131_072  # the module's limit is left as it was


def test_a_line_of_more_cells_than_the_reader_takes_is_refused_before_it_is_split(tmp_path):
    import resource

    path = tmp_path / "one_long_line.csv"
    path.write_text("1," * 3_000_000 + "1\n")  # 6 MB: 3 million cells, over the bound
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for delimiter in (None, ","):
        with pytest.raises(DataError, match=r"a line holds 3,000,001 separated cells, more than the 1,000,000"):
            read_csv_table(path, header="no", delimiter=delimiter)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: the cells were never split


def test_a_text_cell_of_200000_characters_is_named_in_one_line(tmp_path):
    path = tmp_path / "long_cell.csv"
    path.write_text(f"a,b,note\n1,2,{'x' * 200_000}\n3,4,y\n")
    with pytest.raises(DataError, match=r"in row 2 of column 'note' is not a number"):
        read_csv_table(path)
    assert read_csv_table(path, drop=["note"]).X.tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(
    "encoding, named",
    [("utf-16", "the byte-order mark of UTF-16"), ("latin-1", "the byte 0xE9, which UTF-8 never has there")],
)
def test_a_file_not_in_utf8_is_refused_naming_what_its_bytes_say(tmp_path, encoding, named):
    path = tmp_path / "other.csv"
    path.write_bytes("caf\u00e9,b\n1,2\n".encode(encoding))
    with pytest.raises(DataError, match=f"not a UTF-8 text file; it .*{named}.*; save it as UTF-8"):
        read_csv_table(path)


def test_explicit_delimiter_and_dropped_columns(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("id;x;y;kind\n1;0,5;2;a\n2;1,5;3;b\n")  # decimal commas in x, dropped
    table = read_csv_table(path, label="kind", drop=["id", "x"], delimiter=";")
    assert table.names == ["y"] and table.X.ravel().tolist() == [2.0, 3.0]
    with pytest.raises(
        DataError,
        match=r"the cell '0,5' in row 2 of column 'x' is not a number.*--drop x\. Its numbers have "
        r"decimal commas: pass --decimal ,",
    ):
        read_csv_table(path, label="kind", delimiter=";", decimal=".")


def test_a_text_column_among_the_features_is_refused(wine_frame_csv):
    path, _ = wine_frame_csv
    with pytest.raises(
        DataError, match="'class_0' in row 2 of column 'target' is not a number; pass the column as --label"
    ):
        read_csv_table(path)


# -- embed ------------------------------------------------------------------


def run(args, capsys):
    status = _commands.main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_embed_on_iris_uses_the_class_column_as_label(bundled, tmp_path, capsys):
    path = bundled("iris.csv")
    status, _, err = run(["embed", path, "--label", "4", "--output", tmp_path / "out"], capsys)
    assert status == 1 and "--skip-rows 1" in err and not (tmp_path / "out").exists()
    status, out, _ = run(
        ["embed", path, "--skip-rows", "1", "--label", "4", "--epochs", "2", "--output", tmp_path], capsys
    )
    assert status == 0
    assert "4 columns: column0, column1, column2, column3; label: column4" in out
    rows = codes_cells(tmp_path / "iris_codes.csv")
    assert rows[0] == ["code0", "code1", "label"]
    assert [r[2] for r in rows[1:]] == [str(t) for t in load_iris().target]


def test_embed_writes_labels_a_spreadsheet_would_evaluate_behind_an_apostrophe(tmp_path, capsys):
    labels = ["=cmd|' /C calc'!A0", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","y")', "setosa", "-1.5"]
    path = tmp_path / "formulas.csv"
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["a", "b", "c", "kind"])
        writer.writerows([i, i * 2 % 5, i % 3, labels[i % len(labels)]] for i in range(14))
    status, _, err = run(["embed", path, "--label", "kind", "--epochs", "2", "--output", tmp_path], capsys)
    assert status == 0, err
    written = [row[-1] for row in codes_cells(tmp_path / "formulas_codes.csv")[1:8]]
    assert written == ["'" + label for label in labels[:5]] + ["setosa", "-1.5"]


def test_embed_with_text_labels_draws_a_legend_and_saves_a_model_that_gives_the_same_codes(
    wine_frame_csv, tmp_path, capsys, monkeypatch
):
    path, frame = wine_frame_csv
    legends = []
    save_figure = _commands._save_figure

    def recording_save(figure, target):
        legend = figure.axes[0].get_legend()
        legends.append([t.get_text() for t in legend.get_texts()] if legend else None)
        return save_figure(figure, target)

    monkeypatch.setattr(_commands, "_save_figure", recording_save)
    model_path = tmp_path / "wine.skae"
    args = [
        "embed",
        path,
        "--label",
        "target",
        "--epochs",
        "2",
        "--save-model",
        model_path,
        "--output",
        tmp_path / "out",
    ]
    status, out, _ = run(args, capsys)
    assert status == 0
    assert (
        "left out the first column: its header is empty" in out
        and "13 columns: alcohol, malic_acid" in out
        and "label: target" in out
    )
    assert legends == [["class_0", "class_1", "class_2"]]
    command_rows = codes_cells(tmp_path / "out" / "wine_codes.csv")
    assert command_rows[0] == ["", "code0", "code1", "label"]  # pandas' index, as row names
    assert [r[0] for r in command_rows[1:]] == [str(i) for i in frame.index]
    assert [r[3] for r in command_rows[1:]] == frame["target"].tolist()

    model = load(model_path)
    assert list(model.feature_names_in_) == list(frame.columns[:-1])
    codes = model.transform(frame.iloc[:, :-1])  # raw rows, by name, as a pandas user has them
    assert [[f"{v:.7g}" for v in row] for row in codes] == [r[1:3] for r in command_rows[1:]]

    # The same rows with the columns reversed and no index: matched by name.
    reordered = tmp_path / "reordered.csv"
    frame.iloc[:, ::-1].to_csv(reordered, index=False, sep=";")
    status, out, _ = run(
        ["embed", reordered, "--label", "target", "--model", model_path, "--output", tmp_path / "again"], capsys
    )
    assert status == 0 and "Reordering the columns" in out
    # The same codes and labels; that file has no index, so no row names.
    assert codes_cells(tmp_path / "again" / "reordered_codes.csv") == [row[1:] for row in command_rows]

    lacking = tmp_path / "lacking.csv"
    frame.drop(columns=["hue"]).to_csv(lacking, index=False)
    status, _, err = run(
        ["embed", lacking, "--label", "target", "--model", model_path, "--output", tmp_path / "x"], capsys
    )
    assert status == 1 and "lacks the column 'hue'" in err
    assert not (tmp_path / "x").exists()


def test_a_failure_after_fitting_leaves_no_outputs_and_changes_no_file(iris_like_csv, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "iris_codes.csv"
    existing.write_text("keep me")

    def full_disk(*args, **kwargs):
        raise _commands.CommandError("cannot write the model: no space left on device.")

    monkeypatch.setattr(_commands, "_save_pipeline", full_disk)
    args = ["embed", iris_like_csv, "--label", "species", "--epochs", "1", "--force", "--save-model", out / "m.skae"]
    status, _, err = run([*args, "--output", out], capsys)
    assert status == 1 and "no space left" in err
    assert sorted(p.name for p in out.iterdir()) == ["iris_codes.csv"] and existing.read_text() == "keep me"


def test_a_bug_keeps_its_traceback_and_leaves_no_outputs(iris_like_csv, tmp_path, monkeypatch):
    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug in the library")

    monkeypatch.setattr(_commands, "_write_codes", bug)
    with pytest.raises(ZeroDivisionError):
        _commands.main(
            ["embed", str(iris_like_csv), "--label", "species", "--epochs", "1", "--output", str(tmp_path / "out")]
        )
    assert not (tmp_path / "out").exists()


@pytest.fixture
def iris_like_csv(tmp_path):
    path = tmp_path / "iris.csv"
    data = load_iris()
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
        writer.writerows([*row, data.target_names[label]] for row, label in zip(data.data, data.target))
    return path


# -- compare ------------------------------------------------------------------


def test_compare_says_which_sizes_it_leaves_out_and_floors_rounding_noise(bundled, tmp_path, capsys):
    gz = tmp_path / "iris.csv.gz"
    with open(bundled("iris.csv"), "rb") as source, gzip.open(gz, "wb") as target:
        target.write(source.read())
    args = ["compare", gz, "--skip-rows", "1", "--label", "4", "--n-components", "2,4,8", "--epochs", "1"]
    status, out, _ = run([*args, "--output", tmp_path], capsys)
    assert status == 0
    assert "Leaving out n_components 8: more than the 4 feature columns." in out
    assert "PCA's error at n_components=4" in out and "below float precision" in out
    rows = codes_cells(tmp_path / "iris_compare.csv")
    assert [r[0] for r in rows[1:]] == ["2", "4"]
    assert float(rows[2][1]) < 1e-20  # the file keeps the true value; only the plot is floored


def test_labels_come_back_as_integers_floats_or_text_as_documented(tmp_path):
    path = tmp_path / "labels.csv"
    for cells, expected in ((["1", "2"], [1, 2]), (["1", "2.5"], [1.0, 2.5]), (["1", "b"], ["1", "b"])):
        path.write_text("x,label\n" + "".join(f"{i},{cell}\n" for i, cell in enumerate(cells)))
        labels = read_csv_table(path, label="label").labels
        assert labels.tolist() == expected and type(labels[0].item()) is type(expected[0])


# -- tables as R, pandas and spreadsheets write them ----------------------------


def r_table(path, rows=40, *, gaps=(), text_columns=(), label=None):
    """A table as R's write.csv writes it: a quoted "rownames" column 1..n, NA for missing cells."""
    rng = np.random.RandomState(0)
    header = ['"rownames"', '"temp"', '"dewp"', '"wind"', *(f'"{c}"' for c in text_columns)]
    header += ['"species"'] if label else []
    lines = [",".join(header)]
    for i in range(rows):
        cells = [str(i + 1), *(f"{v:.3f}" for v in rng.rand(3) * [30, 20, 10])]
        for column, row in gaps:
            if row == i:
                cells[column] = "NA"
        cells += [f'"{c}{i % 2}"' for c in text_columns]
        if label:
            cells += [label(i)]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_column_counting_the_rows_is_left_out_with_a_note_and_kept_on_request(tmp_path):
    path = r_table(tmp_path / "weather.csv")
    table = read_csv_table(path)
    assert table.names == ["temp", "dewp", "wind"]
    assert table.notes == [
        "left out the first column, 'rownames': it numbers the rows (1..40), as the row names R writes and the "
        "index pandas writes do, and goes into the codes file as row names; pass --keep rownames to use it as a "
        "feature."
    ]
    kept = read_csv_table(path, keep=["rownames"])
    assert kept.names == ["rownames", "temp", "dewp", "wind"] and kept.notes == []
    np.testing.assert_array_equal(kept.X[:, 0], np.arange(1, 41))
    # pandas' to_csv(index_label="index") counts from 0.
    frame_path = tmp_path / "frame.csv"
    pd = pytest.importorskip("pandas")
    pd.DataFrame({"x": np.linspace(0, 1, 5), "y": np.arange(5.0) ** 2}).to_csv(frame_path, index_label="index")
    assert read_csv_table(frame_path).names == ["x", "y"]


def test_every_text_column_is_named_in_one_message(tmp_path):
    path = r_table(tmp_path / "leaves.csv", text_columns=("site", "shape", "colour"))
    with pytest.raises(DataError) as error:
        read_csv_table(path)
    message = str(error.value)
    assert "3 columns hold text, not numbers" in message and "\n" not in message
    for column in ("site", "shape", "colour"):
        assert f"the cell '{column}0' in row 2 of column '{column}'" in message
    assert "--drop site,shape,colour" in message
    assert read_csv_table(path, drop=["site", "shape", "colour"]).names == ["temp", "dewp", "wind"]


def test_every_unknown_drop_name_is_named_in_one_message(tmp_path):
    path = r_table(tmp_path / "weather.csv")
    with pytest.raises(DataError, match=r"--drop names 2 columns the file does not have: 'humidity', 'pressure'"):
        read_csv_table(path, drop=["temp", "humidity", "pressure"])


def test_missing_cells_are_counted_per_column_in_one_message(tmp_path):
    path = r_table(tmp_path / "weather.csv", gaps=[(1, 4), (1, 9), (3, 9), (2, 30)])
    with pytest.raises(DataError) as error:
        read_csv_table(path)
    assert str(error.value).endswith(
        "4 feature cells are empty or NA: 'temp' 2 (first at row 6), 'dewp' 1 (first at row 32), 'wind' 1 "
        "(first at row 11); pass --drop-incomplete to leave out the rows that hold them, or --fill-missing to "
        "fill each with its column's mean."
    )


def test_drop_incomplete_leaves_out_rows_and_says_how_many(tmp_path):
    path = r_table(tmp_path / "weather.csv", gaps=[(1, 4), (1, 9), (3, 9), (2, 30)])
    table = read_csv_table(path, missing="drop")
    assert table.rows.tolist() == [i for i in range(40) if i not in (4, 9, 30)] and len(table.X) == 37
    assert table.n_rows == 40 and not np.isnan(table.X).any()
    assert table.notes[-1] == "left out 3 incomplete rows of 40 (--drop-incomplete); their codes are left empty."


def test_fill_missing_keeps_the_empty_cells_for_the_autoencoder_and_says_how_many(tmp_path):
    path = r_table(tmp_path / "weather.csv", gaps=[(1, 4), (1, 9), (3, 9)])
    complete = read_csv_table(path, missing="drop")
    table = read_csv_table(path, missing="fill")
    assert table.rows is None and len(table.X) == 40
    assert np.isnan(table.X[[4, 9], 0]).all() and np.isnan(table.X[9, 2]) and np.isnan(table.X).sum() == 3
    np.testing.assert_array_equal(np.delete(table.X, [4, 9], axis=0), complete.X)
    assert table.notes[-1] == (
        "kept 3 empty cells in 2 columns for the autoencoder to fill with the column's mean (--fill-missing)."
    )


def test_fill_missing_fits_on_every_row_through_the_estimators_own_nan_support(tmp_path, capsys):
    # The autoencoder fills each empty cell where its encoder sees it and
    # counts no error there, rather than being fitted on invented values.
    path = r_table(tmp_path / "weather.csv", gaps=[(1, 4), (1, 9), (3, 9)])
    args = ["--fill-missing", "--epochs", "2", "--output", tmp_path / "out", "--random-state", "0"]
    status, out, _ = run(["embed", path, *args, "--save-model", tmp_path / "model.skae"], capsys)
    assert status == 0 and "kept 3 empty cells in 2 columns" in out
    rows = codes_cells(tmp_path / "out" / "weather_codes.csv")
    assert len(rows) == 41 and all(cell not in ("", "nan") for row in rows[1:] for cell in row)
    model = load(tmp_path / "model.skae")
    observed = read_csv_table(path, missing="fill").X
    scaled_means = np.nanmean(observed, axis=0) * model[0].scale_ + model[0].min_
    np.testing.assert_allclose(model[-1].fill_values_, scaled_means, rtol=1e-6)
    status, out, _ = run(["compare", path, "--n-components", "1,2", *args], capsys)
    errors = codes_cells(tmp_path / "out" / "weather_compare.csv")[1:]
    assert status == 0 and all(np.isfinite(float(cell)) for row in errors for cell in row[1:])


def test_a_saved_model_fitted_on_complete_rows_encodes_a_file_with_empty_cells_filled_by_their_means(tmp_path, capsys):
    complete = r_table(tmp_path / "weather.csv")
    args = ["--epochs", "2", "--random-state", "0"]
    run(["embed", complete, *args, "--output", tmp_path / "a", "--save-model", tmp_path / "model.skae"], capsys)
    gappy = r_table(tmp_path / "gappy.csv", gaps=[(1, 4)])
    status, out, _ = run(
        ["embed", gappy, "--fill-missing", "--model", tmp_path / "model.skae", "--output", tmp_path / "b"], capsys
    )
    assert status == 0 and "Filled 1 empty cells with their columns' means in this file" in out
    rows = codes_cells(tmp_path / "b" / "gappy_codes.csv")
    assert len(rows) == 41 and all(cell != "" for row in rows[1:] for cell in row)


def test_embed_writes_one_line_per_input_row_when_rows_are_dropped(tmp_path, capsys):
    path = r_table(tmp_path / "weather.csv", gaps=[(1, 4), (3, 9)], label=lambda i: '"a"' if i % 3 else "NA")
    status, out, _ = run(
        ["embed", path, "--label", "species", "--drop-incomplete", "--epochs", "1", "--output", tmp_path / "out"],
        capsys,
    )
    assert status == 0 and "left out 2 incomplete rows of 40" in out
    rows = codes_cells(tmp_path / "out" / "weather_codes.csv")
    assert len(rows) == 41 and rows[0] == ["rownames", "code0", "code1", "label"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 41)]  # R's row names, every row
    assert (
        rows[5][1:3] == ["", ""]
        and rows[10][1:3] == ["", ""]
        and all(r[1] for i, r in enumerate(rows[1:]) if i not in (4, 9))
    )
    assert [r[3] for r in rows[1:4]] == ["", "a", "a"]  # an NA label stays empty


def test_a_saved_model_leaves_out_every_column_it_was_not_fitted_on_whatever_it_holds(tmp_path, capsys):
    path = r_table(tmp_path / "weather.csv")
    model = tmp_path / "weather.skae"
    assert run(["embed", path, "--epochs", "1", "--save-model", model, "--output", tmp_path / "a"], capsys)[0] == 0
    wider = r_table(tmp_path / "wider.csv", text_columns=("site",))
    status, out, _ = run(["embed", wider, "--model", model, "--output", tmp_path / "b"], capsys)
    assert status == 0
    assert "left out 2 columns the model was not fitted on: 'rownames', 'site'." in out
    assert codes_cells(tmp_path / "b" / "wider_codes.csv") == codes_cells(tmp_path / "a" / "weather_codes.csv")


def test_a_failed_move_into_place_puts_back_the_files_it_replaced(tmp_path, monkeypatch):
    from skautoencoder.cli._staged import CommandError, StagedOutputs

    first, second = tmp_path / "codes.csv", tmp_path / "codes.png"
    first.write_text("old codes")
    second.write_text("old figure")
    real_replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if str(target) == str(second) and str(source).endswith(".partial"):
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    with pytest.raises(CommandError, match="cannot write .*codes.png: No space left on device"):
        with StagedOutputs([str(first), str(second)], force=True) as outputs:
            for destination in (first, second):
                with open(outputs.path(str(destination)), "w") as file:
                    file.write("new")
            monkeypatch.setattr(os, "replace", failing_replace)
    assert first.read_text() == "old codes" and second.read_text() == "old figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.csv", "codes.png"]


INTERRUPTED_COMMIT = """
import os, signal, sys
from skautoencoder.cli import _staged

folder, signal_name = sys.argv[1], sys.argv[2]
# As in a terminal's process (a test runner's workers may start their children ignoring SIGINT):
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
destinations = [os.path.join(folder, name) for name in ("codes.csv", "codes.png")]
real_replace, renames = os.replace, []

def replace_then_signal(source, target):  # the signal arrives between the first two renames
    real_replace(source, target)
    renames.append(target)
    if len(renames) == 1:
        os.kill(os.getpid(), getattr(signal, signal_name))

try:
    with _staged.StagedOutputs(destinations, force=True) as outputs:
        for destination in destinations:
            with open(outputs.path(destination), "w") as file:
                file.write("new")
        os.replace = replace_then_signal
except KeyboardInterrupt:
    sys.exit(130)
"""


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")
def test_a_signal_between_the_renames_of_a_commit_takes_effect_once_every_output_is_in_place(tmp_path, signal_name):
    for name in ("codes.csv", "codes.png"):
        (tmp_path / name).write_text("old")
    result = run_python(INTERRUPTED_COMMIT, tmp_path, signal_name)
    assert result.returncode == (130 if signal_name == "SIGINT" else -signal.SIGTERM), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codes.csv", "codes.png"]  # nothing set aside or partial
    assert {p.read_text() for p in tmp_path.iterdir()} == {"new"}


KILLED_COMMIT = """
import os, signal, sys
from skautoencoder.cli import _staged

destinations = [os.path.join(sys.argv[1], name) for name in ("codes.csv", "codes.png")]
real_replace = os.replace

def replace_then_die(source, target):  # killed after setting the first output aside
    real_replace(source, target)
    os.kill(os.getpid(), signal.SIGKILL)

with _staged.StagedOutputs(destinations, force=True) as outputs:
    for destination in destinations:
        with open(outputs.path(destination), "w") as file:
            file.write("new")
    os.replace = replace_then_die
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_the_next_run_puts_back_what_a_killed_commit_set_aside_and_removes_its_partial_files(tmp_path):
    from skautoencoder.cli._staged import CommandError, StagedOutputs

    for name in ("codes.csv", "codes.png"):
        (tmp_path / name).write_text("old")
    result = run_python(KILLED_COMMIT, tmp_path)
    assert result.returncode == -signal.SIGKILL
    left = sorted(p.name for p in tmp_path.iterdir())
    assert "codes.csv" not in left and any(name.endswith(".previous") for name in left)
    assert sum(name.endswith(".partial") for name in left) == 2
    running = tmp_path / f".codes.csv.{os.getpid()}-{'0' * 12}.partial"  # a running process's: left alone
    running.write_text("in progress")
    with pytest.raises(CommandError, match="codes.csv exists; pass --force"):
        StagedOutputs([str(tmp_path / "codes.csv"), str(tmp_path / "codes.png")], force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [running.name, "codes.csv", "codes.png"]
    assert (tmp_path / "codes.csv").read_text() == "old" and (tmp_path / "codes.png").read_text() == "old"


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 32 KiB tmpfs, where a figure does not fit (mounting needs root)."""
    folder = tmp_path / "full"
    folder.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(folder)], capture_output=True
        ).returncode
    ):
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_ends_the_command_in_one_line_leaving_nothing(bundled, full_disk, capsys):
    status, _, err = run(
        ["embed", bundled("iris.csv"), "--skip-rows", "1", "--label", "4", "--epochs", "1", "--output", full_disk],
        capsys,
    )
    assert status == 1
    assert err.strip().count("\n") == 0 and "No space left on device" in err and "nothing was written" in err
    assert list(full_disk.iterdir()) == []


def test_a_spreadsheet_export_with_a_byte_order_mark_crlf_semicolons_and_na_cells(tmp_path):
    # As a spreadsheet saves "CSV UTF-8" in a semicolon locale: a byte order
    # mark, CRLF line ends, #N/A for a formula without a value.
    lines = ["Sample;Height;Width;Group"] + [
        f"S{i};{10 + i};{'#N/A' if i == 3 else 2 * i + 1};{'ab'[i % 2]}" for i in range(8)
    ]
    path = tmp_path / "sheet.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode())
    with pytest.raises(DataError, match=r"1 feature cell is empty or NA: 'Width' 1 \(first at row 5\)"):
        read_csv_table(path, label="Group", drop=["Sample"])
    table = read_csv_table(path, label="Group", drop=["Sample"], missing="fill")
    assert table.names == ["Height", "Width"] and table.labels.tolist() == list("abababab")
    # The #N/A cell is read as missing and kept for the autoencoder to fill.
    assert np.isnan(table.X[3, 1]) and np.isnan(table.X).sum() == 1


def test_numeric_labels_with_gaps_stay_numbers(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("x,y,grade\n1,5,3\n2,4,NA\n3,9,1\n4,1,3\n")
    labels = read_csv_table(path, label="grade").labels
    assert labels.tolist() == [3, None, 1, 3] and type(labels[0]) is int


# -- spreadsheet exports ------------------------------------------------------------------------

SPREADSHEET_CARS = (
    "Motor cars, 1974;;;;\n"
    "Source: a magazine;;;;\n"
    "Name;Miles per gallon (mpg);Cylinders;Displacement (cu in);Origin\n"
    "chevrolet chevelle;18,0;8;307,0;USA\n"
    "buick skylark;15,0;8;350,0;USA\n"
    "toyota corona;24,5;4;113,0;Japan\n"
    "vw 1131;26,0;4;97,0;Europe\n"
    "ford pinto;25,0;4;98,0;USA\n"
    "audi 100;24,0;4;107,0;Europe\n"
    "datsun pl510;27,0;4;97,0;Japan\n"
    "plymouth;18,0;8;318,0;USA\n"
)


def test_a_spreadsheet_export_with_titles_and_decimal_commas_is_read_once_the_message_says_how(tmp_path):
    path = tmp_path / "cars.csv"
    path.write_text(SPREADSHEET_CARS)
    with pytest.raises(DataError, match=r"line 1 reads as a title and line 3 as the header: pass --skip-rows 2"):
        read_csv_table(path)
    with pytest.raises(
        DataError, match=r"'Origin' is a cell of line 3: if the lines above it are titles, pass --skip-rows 2\.$"
    ):
        read_csv_table(path, label="Origin")
    with pytest.raises(DataError, match=r"leave it out with --drop Name\.$"):
        read_csv_table(path, label="Origin", skip_rows=2)
    table = read_csv_table(path, label="Origin", drop=["Name"], skip_rows=2)
    assert table.names == ["Miles per gallon (mpg)", "Cylinders", "Displacement (cu in)"]
    assert table.X[2].tolist() == [24.5, 4.0, 113.0] and table.labels[2] == "Japan"
    assert table.notes == [
        "read numbers with a decimal comma, such as '18,0', as spreadsheets write them in files whose columns are "
        "separated by ';'; pass --decimal . to read commas otherwise."
    ]
    with pytest.raises(DataError, match=r"the cell '18,0' .* pass --decimal , \(and --delimiter if needed\)\.$"):
        read_csv_table(path, label="Origin", drop=["Name"], skip_rows=2, decimal=".")
    with pytest.raises(DataError, match=r"--decimal , needs columns separated by something else than commas"):
        read_csv_table(path, skip_rows=2, delimiter=",", decimal=",")


def test_the_drop_the_command_suggests_pastes_into_a_shell_as_printed(tmp_path):
    import shlex

    path = tmp_path / "cars.csv"
    path.write_text(SPREADSHEET_CARS)
    with pytest.raises(DataError) as refused:
        read_csv_table(path, skip_rows=2, decimal=".")  # the decimal columns read as text, as before --decimal
    suggested = str(refused.value).split("e.g. ", 1)[1].split(". ")[0]
    assert suggested == "--drop 'Name,Miles per gallon (mpg),Displacement (cu in),Origin'"
    option, columns = shlex.split(suggested)
    assert read_csv_table(path, skip_rows=2, decimal=".", drop=columns.split(",")).names == ["Cylinders"]


@pytest.mark.parametrize("typed, close", [("specise", "species"), ("Species", "species")])
def test_an_unknown_label_lists_the_columns_read_and_the_closest_name(tmp_path, typed, close):
    path = tmp_path / "flowers.csv"
    path.write_text("length,width,species\n1,2,a\n3,4,b\n5,6,a\n")
    with pytest.raises(
        DataError,
        match=rf"--label '{typed}': there is no column named '{typed}' \(did you mean '{close}'\?\); "
        r"the columns read are 'length', 'width', 'species'\.$",
    ):
        read_csv_table(path, label=typed)


def test_a_shuffled_index_column_is_left_out_and_its_row_names_reach_the_codes_file(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"]).assign(species=y).sample(frac=1, random_state=0)
    frame.to_csv(tmp_path / "iris.csv", index_label="id")
    table = read_csv_table(tmp_path / "iris.csv", label="species")
    assert table.names == ["sl", "sw", "pl", "pw"]
    assert "it numbers the rows (0..149, shuffled)" in table.notes[0]
    status, out, _ = run(
        ["embed", tmp_path / "iris.csv", "--label", "species", "--epochs", "1", "--output", tmp_path / "out"], capsys
    )
    assert status == 0 and "Written: " in out and out.strip().endswith("iris_codes.png")
    rows = codes_cells(tmp_path / "out" / "iris_codes.csv")
    assert rows[0] == ["id", "code0", "code1", "label"]
    assert [row[0] for row in rows[1:]] == [str(i) for i in frame.index]
    assert read_csv_table(tmp_path / "iris.csv", label="species", keep=["id"]).names[0] == "id"
