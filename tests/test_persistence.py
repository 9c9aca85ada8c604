"""Pickle, joblib, deepcopy, clone, and the native save/load format."""

import copy
import pickle
import signal
import zipfile

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from skautoencoder import AutoencoderTransformer, load

from ._helpers import run_python

X = np.random.RandomState(0).rand(60, 6)


def small(**params):
    defaults = dict(n_components=2, hidden_layer_sizes=(5,), epochs=3, random_state=0)
    return AutoencoderTransformer(**{**defaults, **params})


@pytest.fixture(scope="module")
def fitted():
    return small().fit(X)


def pickle_round_trip(estimator):
    return pickle.loads(pickle.dumps(estimator))


def joblib_round_trip(estimator, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(estimator, path)
    return joblib.load(path)


@pytest.mark.parametrize("copier", ["pickle", "joblib", "deepcopy"])
def test_copies_of_a_fitted_estimator_transform_identically(fitted, copier, tmp_path):
    copied = {
        "pickle": pickle_round_trip,
        "joblib": lambda e: joblib_round_trip(e, tmp_path),
        "deepcopy": copy.deepcopy,
    }[copier](fitted)
    assert copied is not fitted and copied.encoder_ is not fitted.encoder_
    np.testing.assert_array_equal(copied.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(copied.inverse_transform(np.ones((2, 2))), fitted.inverse_transform(np.ones((2, 2))))
    assert copied.loss_curve_ == fitted.loss_curve_
    assert copied.get_params() == fitted.get_params()


def test_pickling_leaves_the_original_estimator_intact(fitted):
    pickle.dumps(fitted)
    assert type(fitted.encoder_).__name__ == "Functional"
    assert fitted.transform(X).shape == (60, 2)


@pytest.mark.parametrize("copier", [pickle_round_trip, copy.deepcopy, clone])
def test_unfitted_estimator_copies(copier):
    estimator = small(hidden_layer_sizes=(7, 3))
    copied = copier(estimator)
    assert copied.get_params() == estimator.get_params()
    assert not hasattr(copied, "encoder_")


def test_clone_of_a_fitted_estimator_is_unfitted_with_the_same_parameters(fitted):
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params()
    assert not hasattr(cloned, "encoder_")


def test_unpickled_estimator_keeps_training_with_partial_fit(fitted):
    estimator = small().fit(X)
    estimator.partial_fit(X)  # the optimizer now has state worth keeping
    copied = pickle_round_trip(estimator)
    estimator.partial_fit(X)
    copied.partial_fit(X)
    np.testing.assert_allclose(copied.transform(X), estimator.transform(X), rtol=1e-5, atol=1e-6)


def test_save_and_load_round_trip(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    loaded = load(path)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.loss_curve_ == fitted.loss_curve_
    assert loaded.n_features_in_ == 6 and loaded.n_iter_ == fitted.n_iter_
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))


def test_save_and_load_keep_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    estimator = small().fit(frame)
    estimator.save(tmp_path / "named.skae")
    loaded = load(tmp_path / "named.skae")
    np.testing.assert_array_equal(loaded.feature_names_in_, estimator.feature_names_in_)
    np.testing.assert_array_equal(loaded.transform(frame), estimator.transform(frame))


def test_save_and_load_keep_set_output_as_pickling_does(tmp_path):
    pd = pytest.importorskip("pandas")
    estimator = small().fit(X).set_output(transform="pandas")
    estimator.save(tmp_path / "frames.skae")
    for restored in (load(tmp_path / "frames.skae"), pickle.loads(pickle.dumps(estimator))):
        codes = restored.transform(X)
        assert isinstance(codes, pd.DataFrame) and list(codes.columns) == list(estimator.get_feature_names_out())
    rewrite_metadata(tmp_path / "frames.skae", lambda metadata: metadata["output"].update({"transform": "excel"}))
    with pytest.raises(ValueError, match=r"its output setting 'transform': 'excel' is not one set_output makes"):
        load(tmp_path / "frames.skae")


def test_a_save_the_system_refuses_names_the_path_given_and_leaves_nothing(fitted, tmp_path):
    missing = tmp_path / "no such folder" / "model.skae"
    with pytest.raises(FileNotFoundError) as refused:
        fitted.save(missing)
    assert refused.value.filename == str(missing) and ".tmp" not in str(refused.value)
    (tmp_path / "taken.skae").mkdir()
    with pytest.raises(IsADirectoryError) as refused:
        fitted.save(tmp_path / "taken.skae")
    assert refused.value.filename == str(tmp_path / "taken.skae")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["taken.skae"]


def test_the_saved_file_holds_native_keras_models(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert names == {"metadata.json", "encoder_.keras", "decoder_.keras"}


@pytest.mark.slow
def test_load_in_a_new_process_gives_identical_transform(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    np.save(tmp_path / "X.npy", X)
    code = (
        "import sys, numpy as np; from skautoencoder import load; "
        "m = load(sys.argv[1]); np.save(sys.argv[3], m.transform(np.load(sys.argv[2])))"
    )
    result = run_python(code, path, tmp_path / "X.npy", tmp_path / "codes.npy")
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(tmp_path / "codes.npy"), fitted.transform(X))


def test_save_replaces_an_existing_file_only_when_complete(fitted, tmp_path, monkeypatch):
    from skautoencoder import _persistence

    path = tmp_path / "model.skae"
    fitted.save(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_persistence, "model_to_bytes", crash)
    with pytest.raises(OSError, match="disk full"):
        fitted.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skae"]  # no temporary left behind


KILLED_SAVE = """
import os, signal, sys
from skautoencoder._atomic_files import replaced_atomically

with replaced_atomically(sys.argv[1]) as file:
    file.write(b"half a model")
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_save_removes_what_a_killed_save_left_beside_its_file(fitted, tmp_path):
    path = tmp_path / "model.skae"
    result = run_python(KILLED_SAVE, path)
    assert result.returncode == -signal.SIGKILL
    (leftover,) = tmp_path.iterdir()
    assert leftover.name.startswith(".model.skae.") and leftover.name.endswith(".tmp")
    fitted.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.skae"]
    np.testing.assert_array_equal(load(path).transform(X), fitted.transform(X))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not a skautoencoder model file"),
        (b"plain text, not an archive", "not a skautoencoder model file"),
    ],
)
def test_load_refuses_files_that_are_not_models(tmp_path, content, message):
    path = tmp_path / "bad.skae"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load(path)


def test_load_refuses_a_truncated_file(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a skautoencoder model file, or it is damaged"):
        load(path)


def rewrite_metadata(path, change):
    """Apply ``change`` to the metadata document of the saved file at ``path``."""
    import json

    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    metadata = json.loads(members["metadata.json"])
    change(metadata)
    members["metadata.json"] = json.dumps(metadata).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_load_refuses_another_format_version(fitted, tmp_path):
    path = tmp_path / "model.skae"
    fitted.save(path)
    rewrite_metadata(path, lambda metadata: metadata.update(format_version=99))
    with pytest.raises(ValueError, match="file format 99 .* reads format 1 only"):
        load(path)


@pytest.mark.parametrize(
    "section, name, message",
    [
        ("params", "colour", "sets parameters AutoencoderTransformer does not have: colour"),
        ("attributes", "__dict__", "an attribute named '__dict__'"),
        ("attributes", "transform", "an attribute named 'transform'"),
        ("attributes", "fit_", "an attribute named 'fit_'"),
        ("attributes", "_training_state", "an attribute named '_training_state'"),
    ],
)
def test_load_refuses_names_the_estimator_does_not_have(fitted, tmp_path, section, name, message):
    path = tmp_path / "model.skae"
    fitted.save(path)
    rewrite_metadata(path, lambda metadata: metadata[section].update({name: "x"}))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_a_saved_file_gets_the_permissions_of_any_new_file(fitted, tmp_path):
    import os

    path = tmp_path / "model.skae"
    fitted.save(path)
    (tmp_path / "plain").write_bytes(b"")
    assert os.stat(path).st_mode & 0o777 == os.stat(tmp_path / "plain").st_mode & 0o777


def test_skops_round_trips_a_fitted_estimator_and_a_pipeline_holding_it(fitted, tmp_path):
    import skops.io
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    pipeline = make_pipeline(MinMaxScaler(), small()).fit(X * 100)
    for estimator, rows in ((fitted, X), (pipeline, X * 100)):
        path = tmp_path / "model.skops"
        skops.io.dump(estimator, path)
        trusted = skops.io.get_untrusted_types(file=path)
        assert "skautoencoder._estimator.AutoencoderTransformer" in trusted
        loaded = skops.io.load(path, trusted=trusted)
        np.testing.assert_array_equal(loaded.transform(rows), estimator.transform(rows))


def rewritten(source, target, replace):
    """A copy of the zip ``source`` with members replaced: ``replace`` maps names to new bytes."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in original.infolist():
            copy.writestr(member.filename, replace.get(member.filename, original.read(member.filename)))
    return target


def test_a_model_file_declaring_a_huge_member_is_refused_before_it_is_read(fitted, tmp_path):
    import resource

    path = tmp_path / "model.skae"
    fitted.save(path)
    with zipfile.ZipFile(path) as archive:
        metadata = archive.read("metadata.json")
    # The same JSON followed by 200 MB of spaces: valid JSON, about 200 KB deflated.
    bomb = rewritten(path, tmp_path / "bomb.skae", {"metadata.json": metadata + b" " * 200_000_000})
    assert bomb.stat().st_size < 2_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match=r"member 'metadata.json' declares 200,[\d,]+ bytes .*more than a model file"):
        load(bomb)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing large was read


def test_a_keras_member_holding_a_bomb_is_refused(fitted, tmp_path):
    import io

    path = tmp_path / "model.skae"
    fitted.save(path)
    with zipfile.ZipFile(path) as archive:
        encoder = archive.read("encoder_.keras")
    inner = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(encoder)) as keras_archive,
        zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for member in keras_archive.infolist():
            data = keras_archive.read(member.filename)
            out.writestr(member.filename, data + b" " * 50_000_000 if member.filename == "config.json" else data)
    bomb = rewritten(path, tmp_path / "bomb.skae", {"encoder_.keras": inner.getvalue()})
    with pytest.raises(ValueError, match=r"model 'encoder_'.*member 'config.json' declares 50,[\d,]+ bytes"):
        load(bomb)
    # A model of zeros is a legitimate file: weights may compress well.
    zeros = AutoencoderTransformer(2, hidden_layer_sizes=(512,), epochs=1, random_state=0).fit(
        np.zeros((20, 600)) + X[:20, :1]
    )
    zeros.save(tmp_path / "zeros.skae")
    assert load(tmp_path / "zeros.skae").n_features_in_ == 600
