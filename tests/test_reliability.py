"""Faults and hostile input: nothing lost, nothing silently wrong."""

import contextlib
import pickle
import threading
import warnings
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_diabetes, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning

from skautoencoder import AutoencoderTransformer, DataScaleWarning, load
from skautoencoder.cli import main as cli_main

X = np.random.RandomState(0).rand(80, 6)


def small(**params):
    defaults = dict(n_components=2, hidden_layer_sizes=(5,), epochs=3, random_state=0)
    return AutoencoderTransformer(**{**defaults, **params})


# -- divergence ------------------------------------------------------------------


def test_divergence_stops_with_a_clear_error_and_keeps_the_previous_model():
    autoencoder = small().fit(X)
    codes = autoencoder.transform(X)
    autoencoder.set_params(optimizer="sgd", learning_rate=1e12, epochs=20)
    with pytest.raises(
        ValueError, match="Training diverged at epoch .*: the loss became (nan|inf).*Lower learning_rate"
    ):
        autoencoder.fit(X * 1000)
    np.testing.assert_array_equal(autoencoder.transform(X), codes)
    assert np.all(np.isfinite(autoencoder.transform(X)))


def test_divergent_first_fit_leaves_the_estimator_unfitted():
    autoencoder = small(optimizer="sgd", learning_rate=1e12, epochs=20)
    with pytest.raises(ValueError, match="Training diverged"):
        autoencoder.fit(X * 1000)
    assert not hasattr(autoencoder, "encoder_") and not hasattr(autoencoder, "n_features_in_")


# -- interruption ------------------------------------------------------------------


class EpochInterrupter:
    """Raises KeyboardInterrupt from inside training, at a chosen epoch."""

    def __init__(self):
        self.remaining = None

    def arm(self, epochs_before_interrupt):
        self.remaining = epochs_before_interrupt


@pytest.fixture
def interrupter(monkeypatch):
    from skautoencoder._engine import compiled_trainer

    real = compiled_trainer.CompiledTrainer.train_epoch
    control = EpochInterrupter()

    def train_epoch(self, *args, **kwargs):
        if control.remaining is not None:
            if control.remaining == 0:
                raise KeyboardInterrupt
            control.remaining -= 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compiled_trainer.CompiledTrainer, "train_epoch", train_epoch)
    return control


def test_interrupted_first_fit_leaves_the_estimator_unfitted(interrupter):
    autoencoder = small()
    interrupter.arm(1)
    with pytest.raises(KeyboardInterrupt):
        autoencoder.fit(X)
    assert vars(autoencoder) == vars(small())


def test_interrupted_refit_keeps_the_previous_model(interrupter):
    autoencoder = small().fit(X)
    before = dict(vars(autoencoder))
    codes = autoencoder.transform(X)
    interrupter.arm(1)
    with pytest.raises(KeyboardInterrupt):
        autoencoder.fit(X[::-1])
    assert vars(autoencoder).keys() == before.keys()
    assert autoencoder.encoder_ is before["encoder_"]
    np.testing.assert_array_equal(autoencoder.transform(X), codes)


# -- concurrency -------------------------------------------------------------------


def test_transform_and_score_from_eight_threads_match_serial_calls():
    autoencoder = small().fit(X)
    batches = [np.random.RandomState(i).rand(200 + i, 6) for i in range(8)]
    serial = [(autoencoder.transform(b), autoencoder.score(b)) for b in batches]
    fresh = small().fit(X)  # caches are built under contention too
    results = [None] * 8
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        for _ in range(20):
            results[i] = (fresh.transform(batches[i]), fresh.score(batches[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (codes, score), (expected_codes, expected_score) in zip(results, serial):
        np.testing.assert_array_equal(codes, expected_codes)
        assert score == expected_score


# -- persistence faults ----------------------------------------------------------------


def test_a_model_with_a_lambda_layer_is_refused_and_its_code_never_runs(tmp_path, monkeypatch):
    import json

    import keras

    marker = tmp_path / "ran.txt"
    autoencoder = small().fit(X)
    path = tmp_path / "model.skae"
    autoencoder.save(path)

    inputs = keras.Input(shape=(6,))
    monkeypatch.setenv("SKAUTOENCODER_TEST_MARKER", str(marker))
    side_effect = keras.layers.Lambda(
        lambda x: (open(__import__("os").environ["SKAUTOENCODER_TEST_MARKER"], "w").write("code ran"), x)[1]
    )
    hostile = keras.Model(inputs, keras.layers.Dense(2)(side_effect(inputs)))
    marker.unlink(missing_ok=True)  # building the model ran the lambda once
    hostile_path = tmp_path / "hostile.keras"
    hostile.save(hostile_path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["encoder_.keras"] = hostile_path.read_bytes()
    json.loads(members["metadata.json"])
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="Could not load the Keras model 'encoder_'.*Lambda layer.*never runs"):
        load(path)
    assert not marker.exists()


@pytest.mark.parametrize(("value", "n_features", "n_components"), [(0.03, 3, 4), (3e-6, 8, 2)])
def test_constant_columns_of_any_magnitude_train_without_diverging(value, n_features, n_components):
    # Found by the property test below: the variances of constant columns are
    # rounding noise, and codes or the map's term divided by their roots diverged.
    X = np.full((72, n_features), value)
    wider = n_components > n_features
    with pytest.warns(UserWarning, match="is more than the") if wider else contextlib.nullcontext():
        autoencoder = small(n_components=n_components, epochs=2).fit(X)
    assert np.isfinite(autoencoder.loss_curve_).all() and np.isfinite(autoencoder.transform(X)).all()
    np.testing.assert_allclose(autoencoder.inverse_transform(autoencoder.transform(X)), X, rtol=1e-3)


# -- property tests --------------------------------------------------------------------


@st.composite
def datasets(draw):
    n_rows = draw(st.integers(2, 200))
    n_features = draw(st.integers(1, 50))
    scale = 10.0 ** draw(st.integers(-6, 6))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64]))
    seed = draw(st.integers(0, 2**16))
    values = np.random.RandomState(seed).normal(size=(n_rows, n_features)) * scale
    n_constant = draw(st.integers(0, n_features))
    values[:, :n_constant] = 3.0 * scale
    return values.astype(dtype)


@pytest.mark.slow  # twelve generated data sets, each fitted twice
# Generated columns of any spread and codes of any width, fitted for two epochs: the scale, map and
# overcomplete-code warnings are allowed, not asserted (tests of their own assert each).
@pytest.mark.filterwarnings("ignore::skautoencoder.exceptions.DataScaleWarning")
@pytest.mark.filterwarnings("ignore::skautoencoder.exceptions.NeighborhoodWarning")
@pytest.mark.filterwarnings("ignore:n_components=\\d+ is more than the \\d+ column:UserWarning")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=datasets(), n_components=st.integers(1, 8))
def test_fit_transform_inverse_and_score_are_finite_with_the_right_shapes(X, n_components):
    autoencoder = small(n_components=n_components, epochs=2)
    autoencoder.fit(X)  # may warn (DataScaleWarning), must not fail
    codes = autoencoder.transform(X)
    assert codes.shape == (X.shape[0], n_components) and np.all(np.isfinite(codes))
    rows = autoencoder.inverse_transform(codes)
    assert rows.shape == X.shape and np.all(np.isfinite(rows))
    assert np.isfinite(autoencoder.score(X))
    again = small(n_components=n_components, epochs=2).fit(X)
    np.testing.assert_array_equal(again.transform(X), codes)


# -- numerical honesty -------------------------------------------------------------------


def test_values_beyond_float32_are_refused_clearly():
    with pytest.raises(ValueError, match="too large for the float32 network"):
        small().fit(X * 1e300)


def test_float32_values_near_the_limit_are_refused_clearly():
    big = (X * 3e38).astype(np.float32)
    with pytest.raises(ValueError, match="too large for the float32 network"):
        small().fit(big)


def test_one_very_large_column_warns_that_scaling_is_advised():
    lopsided = X.copy()
    lopsided[:, 2] *= 1e6
    with pytest.warns(DataScaleWarning, match="StandardScaler or MinMaxScaler"):
        small().fit(lopsided)


def test_a_code_wider_than_the_data_warns_unless_something_stops_it_copying_its_input():
    narrow = X[:, :2]
    with pytest.warns(UserWarning, match=r"^n_components=3 is more than the 2 columns of X: with nothing to stop"):
        small(n_components=3).fit(narrow)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="n_components=")
        for constrained in ({"corruption": "gaussian"}, {"contractive_weight": 1e-3}, {"variational": True}):
            small(n_components=3, **constrained).fit(narrow)
        model = small(n_components=2).fit(narrow)
        model.set_params(warm_start=True, n_components=2).fit(narrow)


# -- command line robustness ----------------------------------------------------------------

MALFORMED_CSV = {
    "ragged rows": (b"1,2,3\n4,5\n", "row 2 has 2 cells"),
    "quoted text": (b'"a","b"\n"1","x y"\n', "is not a number"),
    "only empty lines": (b"\n\n\n", "the file is empty"),
    "byte order mark then text": ("\ufeffa,b\n1,zz\n".encode(), "'zz' in row 2 of column 'b' is not a number"),
    "huge numbers": (b"1,2\n1e400,3\n", "holds inf (infinite values are not allowed"),
    "non-UTF-8 bytes": (b"1,2\n\xff\xfe,3\n", "not a UTF-8 text file"),
    "unterminated quote": (b'1,"2\n3,4\n', "is a closing quote missing?"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_CSV))
def test_malformed_csv_gives_a_one_line_error(tmp_path, capsys, case):
    content, message = MALFORMED_CSV[case]
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    assert cli_main(["embed", str(path), "--output", str(tmp_path), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_quotes_bom_and_empty_lines_in_valid_data_are_read(tmp_path):
    path = tmp_path / "data.csv"
    rows = "\n".join(f'"{i}",{i % 3}.5,\n' for i in range(40))
    path.write_bytes(("\ufeff" + '"x","y","z"\n\n' + rows.replace(",\n", ",1\n")).encode())
    assert cli_main(["embed", str(path), "--output", str(tmp_path / "out"), "--epochs", "1"]) == 0


def test_the_command_never_overwrites_a_saved_model_without_force(tmp_path, capsys):
    path = tmp_path / "data.csv"
    np.savetxt(path, X, delimiter=",")
    model = tmp_path / "model.skae"
    model.write_bytes(b"precious")
    assert cli_main(["embed", str(path), "--output", str(tmp_path), "--save-model", str(model)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert model.read_bytes() == b"precious"


@pytest.mark.parametrize(
    "name, data, warns",
    [
        ("wine, raw (ratio 2,645)", lambda: load_wine().data, True),
        ("diabetes, unscaled (ratio 204)", lambda: load_diabetes(scaled=False).data, True),
        ("digits, raw (ratio 16)", lambda: load_digits().data, False),
        ("iris, raw (ratio 2.5)", lambda: load_iris().data, False),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_the_scale_warning_catches_the_unscaled_data_sets_that_ship_with_scikit_learn(name, data, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        small(epochs=1).fit(data())
    spans = [w for w in caught if w.category is DataScaleWarning and "very different ranges" in str(w.message)]
    assert len(spans) == int(warns), name


@pytest.mark.parametrize("call", ["fit", "partial_fit", "fit_transform", "pandas fit_transform", "grid search"])
def test_warnings_point_at_the_callers_line(call):
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline

    lopsided = X.copy()
    lopsided[:, 2] *= 1e6
    model = AutoencoderTransformer(2, hidden_layer_sizes=(4,), epochs=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if call == "pandas fit_transform":
            model.set_output(transform="pandas").fit_transform(lopsided)
        elif call == "grid search":
            GridSearchCV(make_pipeline(model), {"autoencodertransformer__n_components": [2]}, cv=2).fit(lopsided)
        else:
            getattr(model, call)(lopsided)
    ours = [w for w in caught if w.category in (DataScaleWarning, ConvergenceWarning)]
    expected = {DataScaleWarning} if call == "partial_fit" else {DataScaleWarning, ConvergenceWarning}
    assert {w.category for w in ours} == expected
    assert {w.filename for w in ours} == {__file__}


def test_fitting_saving_and_pickling_emit_no_deprecation_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        model = small(epochs=2).fit(X)
        model.save(tmp_path / "model.skae")
        restored = pickle.loads(pickle.dumps(load(tmp_path / "model.skae")))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
