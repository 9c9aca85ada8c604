"""Bad input gets a clear error naming the problem, and changes nothing."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skautoencoder import AutoencoderTransformer

X_GOOD = np.random.RandomState(0).rand(40, 5)


def small(**params):
    defaults = dict(n_components=2, hidden_layer_sizes=(4,), epochs=2, random_state=0)
    return AutoencoderTransformer(**{**defaults, **params})


def with_value(value, row=3, column=2):
    X = X_GOOD.copy()
    X[row, column] = value
    return X


# Column 2 missing in every row: nothing can fill it.
NAN_COLUMN = np.where(np.arange(5) == 2, np.nan, X_GOOD)

STRINGS = X_GOOD.astype(object)
STRINGS[1, 1] = "abc"

BAD_TRAINING_DATA = [
    pytest.param(NAN_COLUMN, ValueError, "Column 2 of X is missing in every row", id="NaN column"),
    pytest.param(with_value(np.inf), ValueError, "Input X contains infinity", id="inf"),
    pytest.param(X_GOOD[:, 0], ValueError, "Expected 2D array, got 1D array", id="1-D"),
    pytest.param(X_GOOD.reshape(40, 5, 1), ValueError, "Found array with dim 3", id="3-D"),
    pytest.param(np.empty((0, 5)), ValueError, "0 sample", id="zero rows"),
    pytest.param(np.empty((40, 0)), ValueError, "0 feature", id="zero columns"),
    pytest.param(STRINGS, ValueError, "could not convert string to float", id="string"),
    pytest.param(X_GOOD + 1j, ValueError, "Complex data not supported", id="complex"),
]


@pytest.mark.parametrize("X, error, message", BAD_TRAINING_DATA)
def test_bad_training_data_is_refused_clearly(X, error, message):
    with pytest.raises(error, match=message):
        small().fit(X)


def test_string_column_in_a_dataframe_is_refused_naming_the_column_and_value():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_GOOD, columns=list("abcde"))
    frame["e"] = frame["e"].astype(object)
    frame.loc[3, "e"] = "f"
    with pytest.raises(ValueError, match=r"X's column 'e' holds 'f' \(row 3\), not a number: drop the column"):
        small().fit(frame)
    frame.loc[3, "e"] = "0.5"  # text that reads as a number is taken, as scikit-learn takes it
    assert small().fit(frame).n_features_in_ == 5


@pytest.mark.parametrize("column, named", [("dates", "dates and times"), ("durations", "durations")])
def test_a_date_or_duration_column_is_refused_naming_the_column(column, named):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_GOOD, columns=list("abcde"))
    start = pd.Timestamp("2026-01-01")
    frame["when"] = [start + pd.Timedelta(days=i) for i in range(len(frame))]
    if column == "durations":
        frame["when"] -= start
    with pytest.raises(ValueError, match=f"X's column 'when' holds {named}, not numbers"):
        small().fit(frame)


def test_complex_numbers_are_refused_in_one_line():
    with pytest.raises(ValueError, match="Complex data not supported") as caught:
        small().fit(np.tile(X_GOOD + 1j, (20, 1)))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("method", ["transform", "score", "score_samples"])
def test_wrong_number_of_columns_after_fit(method):
    autoencoder = small().fit(X_GOOD)
    with pytest.raises(ValueError, match="X has 4 features, but AutoencoderTransformer is expecting 5"):
        getattr(autoencoder, method)(X_GOOD[:, :4])


def test_inverse_transform_with_wrong_code_width():
    autoencoder = small().fit(X_GOOD)
    with pytest.raises(ValueError, match="X has 3 features, but the decoder .* n_components=2"):
        autoencoder.inverse_transform(np.zeros((4, 3)))


@pytest.mark.parametrize("method", ["transform", "inverse_transform", "score", "score_samples", "save"])
def test_use_before_fit_raises_not_fitted(method, tmp_path):
    argument = tmp_path / "model.skae" if method == "save" else X_GOOD
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(small(), method)(argument)


INVALID_PARAMETERS = [
    ("n_components", 0, "must be an int in the range \\[1, inf\\). Got 0 instead"),
    ("n_components", -3, "must be an int in the range \\[1, inf\\)"),
    ("n_components", 1.5, "must be an int in the range \\[1, inf\\)"),
    ("batch_size", 0, "must be a str among {'auto'} or an int in the range \\[1, inf\\)"),
    ("epochs", 0, "must be an int in the range \\[1, inf\\)"),
    ("n_iter_no_change", 0, "must be a str among {'auto'} or an int in the range \\[1, inf\\)"),
    ("neighbor_weight", "on", "must be a str among {'auto'} or a float in the range \\[0.0, inf\\)"),
    ("learning_rate", 0.0, "must be a float in the range \\(0.0, inf\\) or None. Got 0.0 instead"),
    ("learning_rate", -0.1, "must be a float in the range \\(0.0, inf\\) or None. Got -0.1 instead"),
    ("tol", -1.0, "must be a float in the range \\[0.0, inf\\)"),
    ("validation_fraction", 0.0, "must be a str among {'auto'} or a float in the range \\(0.0, 1.0\\)"),
    ("validation_fraction", 1.0, "must be a str among {'auto'} or a float in the range \\(0.0, 1.0\\)"),
    ("activation", 3, "must be an instance of 'str' or a callable"),
    ("loss", 0.5, "must be an instance of 'str' or a callable"),
    ("optimizer", 1, "must be an instance of 'str' or an object implementing 'apply_gradients'"),
    ("shuffle", "yes", "must be an instance of 'bool'"),
    ("early_stopping", 1.5, "must be an instance of 'bool'"),
    ("random_state", "seed", "must be an int in the range"),
]


@pytest.mark.parametrize("name, value, message", INVALID_PARAMETERS)
def test_invalid_parameters_get_scikit_learn_messages(name, value, message):
    expected = f"The '{name}' parameter of AutoencoderTransformer {message}"
    with pytest.raises(ValueError, match=expected):
        small(**{name: value}).fit(X_GOOD)


@pytest.mark.parametrize("sizes", [(0,), (8, -1), (4.5,), ("8",)])
def test_invalid_hidden_layer_sizes(sizes):
    with pytest.raises(ValueError, match="'hidden_layer_sizes' parameter .* sequence of ints >= 1"):
        small(hidden_layer_sizes=sizes).fit(X_GOOD)


def test_binary_crossentropy_outside_unit_interval():
    with pytest.raises(
        ValueError,
        match=r"binary_crossentropy' needs every value of X in \[0, 1\]; got values in \[0\.01\d*, 2\.99\d*\]",
    ):
        small(loss="binary_crossentropy", output_activation="sigmoid").fit(X_GOOD * 3)


def test_binary_crossentropy_needs_a_sigmoid_output():
    with pytest.raises(ValueError, match="needs output_activation='sigmoid'; got output_activation='linear'"):
        small(loss="binary_crossentropy").fit(X_GOOD)


def test_early_stopping_needs_two_rows():
    with pytest.raises(ValueError, match="at least 2 samples"):
        small(early_stopping=True).fit(X_GOOD[:1])


def test_failed_fit_leaves_the_fitted_model_usable():
    autoencoder = small().fit(X_GOOD)
    codes = autoencoder.transform(X_GOOD)
    attributes = dict(vars(autoencoder))
    for bad in (NAN_COLUMN, np.full((5, 3), np.nan), np.full((5, 7), np.inf)):
        with pytest.raises(ValueError):
            autoencoder.fit(bad)
    autoencoder.set_params(loss="binary_crossentropy", output_activation="sigmoid")
    with pytest.raises(ValueError):
        autoencoder.fit(X_GOOD * 5)
    autoencoder.set_params(loss="mse", output_activation="linear")
    assert vars(autoencoder).keys() == attributes.keys()
    assert autoencoder.n_features_in_ == 5
    np.testing.assert_array_equal(autoencoder.transform(X_GOOD), codes)


def test_failed_fit_with_new_feature_names_keeps_the_old_ones():
    pd = pytest.importorskip("pandas")
    autoencoder = small().fit(pd.DataFrame(X_GOOD, columns=list("abcde")))
    bad = pd.DataFrame(NAN_COLUMN, columns=list("vwxyz"))
    with pytest.raises(ValueError, match="Column 'x' of X is missing in every row"):
        autoencoder.fit(bad)
    assert list(autoencoder.feature_names_in_) == list("abcde")


def test_interrupted_warm_start_fit_restores_weights_and_history(monkeypatch):
    from skautoencoder._engine import compiled_trainer

    autoencoder = small(warm_start=True, epochs=3).fit(X_GOOD)
    codes = autoencoder.transform(X_GOOD)
    keras_codes = np.asarray(autoencoder.encoder_(X_GOOD))
    curve = list(autoencoder.loss_curve_)
    real_train_epoch = compiled_trainer.CompiledTrainer.train_epoch
    calls = []

    def interrupted_epoch(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_train_epoch(self, *args, **kwargs)

    monkeypatch.setattr(compiled_trainer.CompiledTrainer, "train_epoch", interrupted_epoch)
    with pytest.raises(KeyboardInterrupt):
        autoencoder.fit(X_GOOD)
    assert len(calls) == 2  # one epoch had changed the weights before the interrupt
    assert autoencoder.loss_curve_ == curve
    np.testing.assert_array_equal(np.asarray(autoencoder.encoder_(X_GOOD)), keras_codes)
    np.testing.assert_array_equal(autoencoder.transform(X_GOOD), codes)
    monkeypatch.undo()
    autoencoder.fit(X_GOOD)  # and it can still train
    assert autoencoder.n_iter_ == 6


def test_a_fitted_model_keeps_its_code_width_after_set_params():
    X = np.random.RandomState(0).rand(40, 5)
    model = small(n_components=2).fit(X)
    codes = model.transform(X)
    model.set_params(n_components=3)
    assert model.get_feature_names_out().tolist() == ["autoencodertransformer0", "autoencodertransformer1"]
    np.testing.assert_array_equal(model.inverse_transform(codes), small(n_components=2).fit(X).inverse_transform(codes))
    frame = model.set_output(transform="pandas").transform(X)
    assert list(frame.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    with pytest.raises(ValueError, match="expects codes of n_components=2 features"):
        model.inverse_transform(np.zeros((3, 3)))


@pytest.mark.parametrize("loss", ["binary_crossentropy", "object", "function"])
def test_binary_cross_entropy_given_as_a_keras_object_or_function_is_checked_too(loss):
    import keras

    loss = {"object": keras.losses.BinaryCrossentropy(), "function": keras.losses.binary_crossentropy}.get(loss, loss)
    X = np.random.RandomState(0).rand(20, 4)
    with pytest.raises(ValueError, match=r"needs every value of X in \[0, 1\]"):
        small(loss=loss, output_activation="sigmoid").fit(X * 3)
    with pytest.raises(ValueError, match="needs output_activation='sigmoid'; got output_activation='linear'"):
        small(loss=loss).fit(X)
    small(loss=loss, output_activation="sigmoid").fit(X)  # in [0, 1] with a sigmoid: trains
