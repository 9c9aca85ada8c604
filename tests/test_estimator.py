"""Behaviour of AutoencoderTransformer: training, transforms, scores, output."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from skautoencoder import AutoencoderTransformer, reconstruction_error


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:400] / 16


def small(**params):
    defaults = dict(
        n_components=2, hidden_layer_sizes=(16,), neighbor_weight=0.0, epochs=5, early_stopping=False, random_state=0
    )
    return AutoencoderTransformer(**{**defaults, **params})


def test_transform_and_inverse_transform_shapes(digits):
    autoencoder = small().fit(digits)
    codes = autoencoder.transform(digits)
    assert codes.shape == (400, 2)
    assert autoencoder.inverse_transform(codes).shape == (400, 64)
    assert autoencoder.encoder_.output_shape == (None, 2)
    assert autoencoder.decoder_.output_shape == (None, 64)


def test_transform_matches_the_keras_encoder(digits):
    autoencoder = small(activation="sigmoid", code_activation="tanh").fit(digits)
    keras_codes = np.asarray(autoencoder.encoder_(digits.astype(np.float32)))
    np.testing.assert_allclose(autoencoder.transform(digits), keras_codes, atol=1e-5)
    keras_rows = np.asarray(autoencoder.decoder_(keras_codes))
    np.testing.assert_allclose(autoencoder.inverse_transform(keras_codes), keras_rows, atol=1e-5)


def test_training_lowers_the_loss_and_beats_pca_at_two_components(digits):
    autoencoder = small(hidden_layer_sizes=(64,), epochs=60, init="random").fit(digits)
    assert autoencoder.n_iter_ == 60 == len(autoencoder.loss_curve_)
    assert autoencoder.loss_curve_[-1] < 0.6 * autoencoder.loss_curve_[0]
    assert -autoencoder.score(digits) < reconstruction_error(PCA(2).fit(digits), digits)


def test_score_is_negative_mean_squared_reconstruction_error(digits):
    autoencoder = small().fit(digits)
    reconstruction = autoencoder.inverse_transform(autoencoder.transform(digits))
    per_row = np.mean((digits - reconstruction) ** 2, axis=1)
    np.testing.assert_allclose(autoencoder.score_samples(digits), -per_row, rtol=1e-10)
    assert autoencoder.score(digits) == pytest.approx(-per_row.mean(), rel=1e-10)


def test_float32_stays_float32_and_float64_stays_float64(digits):
    autoencoder = small().fit(digits)
    assert autoencoder.transform(digits.astype(np.float32)).dtype == np.float32
    assert autoencoder.transform(digits).dtype == np.float64
    assert autoencoder.transform(digits.astype(np.int64)).dtype == np.float64


def test_large_inputs_are_processed_in_chunks_with_the_same_result(digits):
    autoencoder = small().fit(digits)
    many = np.tile(digits, (100, 1))  # 40,000 rows: more than one chunk
    codes = autoencoder.transform(many)
    np.testing.assert_allclose(codes[-400:], autoencoder.transform(digits), rtol=1e-12)


def test_feature_names_out():
    X = np.random.RandomState(0).rand(20, 3)
    names = small(n_components=3).fit(X).get_feature_names_out()
    assert list(names) == ["autoencodertransformer0", "autoencodertransformer1", "autoencodertransformer2"]


def test_set_output_pandas(digits):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(digits, columns=[f"pixel{i}" for i in range(64)])
    codes = small().set_output(transform="pandas").fit(frame).transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == ["autoencodertransformer0", "autoencodertransformer1"]
    assert list(codes.index) == list(frame.index)


def test_early_stopping_keeps_the_best_validation_epoch(digits):
    # From random weights: no PCA start to fall back to (tests/test_anchor.py tests that choice).
    autoencoder = small(epochs=200, early_stopping=True, n_iter_no_change=3, tol=1e-2, init="random").fit(digits)
    curve = autoencoder.validation_loss_curve_
    assert autoencoder.n_iter_ == len(curve) < 200
    assert autoencoder.best_validation_loss_ == min(curve)
    assert autoencoder.loss_curve_ and len(autoencoder.loss_curve_) == len(curve)


def test_early_stopping_stops_at_the_same_epoch_in_any_units(digits):
    # tol is relative: the same rows in units 1,000 times larger (losses a
    # million times larger) stop at the same epoch; an absolute tolerance
    # would count every epoch's decrease there as an improvement.
    settings = dict(epochs=150, early_stopping=True, n_iter_no_change=5, tol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small_units = small(**settings).fit(digits)
        large_units = small(**settings).fit(digits * 1000)
    assert small_units.n_iter_ < 150
    assert large_units.n_iter_ == small_units.n_iter_


@pytest.mark.parametrize(
    "n_samples, early_stopping, map_patience, reconstruction_patience",
    [(1_000, True, 30, 20), (2_222, True, 30, 20), (20_000, True, 3, 3), (20_000, False, 3, 3), (100_000, True, 1, 1)],
)
def test_auto_patience_is_counted_in_training_rows(n_samples, early_stopping, map_patience, reconstruction_patience):
    # As many epochs as train on 60,000 rows, at least one, at most the
    # settings' 30 (map) or 20; 10% of the rows are held out for validation.
    from skautoencoder._fit_config import FitConfig

    for n_components, patience in ((2, map_patience), (8, reconstruction_patience)):
        params = AutoencoderTransformer(n_components, early_stopping=early_stopping).get_params()
        assert FitConfig.from_params(params, 10, n_samples=n_samples).n_iter_no_change == patience
    explicit = AutoencoderTransformer(2, n_iter_no_change=7).get_params()
    assert FitConfig.from_params(explicit, 10, n_samples=100_000).n_iter_no_change == 7


def test_auto_patience_stops_a_fit_of_many_rows_one_epoch_after_its_best(digits, monkeypatch):
    from skautoencoder import _defaults

    settings = dict(epochs=100, early_stopping=True, tol=1e-2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        patient = small(**settings).fit(digits)  # 360 training rows: 20 epochs of patience
        # 100 rows of patience: one epoch of the 360 training rows.
        monkeypatch.setattr(_defaults, "PATIENCE_ROWS", 100)
        autoencoder = small(**settings).fit(digits)
    best_epoch = int(np.argmin(autoencoder.validation_loss_curve_)) + 1
    assert autoencoder.n_iter_ <= best_epoch + 1
    assert autoencoder.n_iter_ < patient.n_iter_


def test_early_stopping_restores_weights_of_the_best_epoch():
    rng = np.random.RandomState(0)
    X = rng.rand(200, 8)
    autoencoder = small(epochs=30, early_stopping=True, n_iter_no_change=30, learning_rate=0.05, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        autoencoder.fit(X)
    # Recompute the validation rows the estimator held out, from its seed.
    from skautoencoder._fitting import split_rows

    seed_rng = np.random.RandomState(0)
    seed_rng.randint(np.iinfo(np.int32).max // 2, size=2)  # the network and noise seeds come first
    _, validation_rows = split_rows(np.arange(200, dtype=np.int32), "auto", seed_rng)
    validation_error = -autoencoder.score(X[validation_rows])
    assert validation_error == pytest.approx(autoencoder.best_validation_loss_, rel=1e-4)


def test_convergence_warning_when_epochs_run_out_under_early_stopping(digits):
    with pytest.warns(ConvergenceWarning, match="Maximum epochs"):
        small(epochs=3, early_stopping=True, n_iter_no_change=50).fit(digits)


def test_no_convergence_warning_without_early_stopping(digits):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        small(epochs=2, early_stopping=False).fit(digits)


def test_warm_start_continues_from_the_fitted_networks(digits):
    autoencoder = small(warm_start=True, epochs=5).fit(digits)
    first_curve = list(autoencoder.loss_curve_)
    encoder = autoencoder.encoder_
    autoencoder.fit(digits)
    assert autoencoder.encoder_ is encoder
    assert autoencoder.n_iter_ == 10
    assert autoencoder.loss_curve_[:5] == first_curve
    assert autoencoder.loss_curve_[5] < first_curve[0]


def test_training_on_keeps_one_validation_loss_per_epoch_and_the_kept_epoch_in_step(digits):
    from skautoencoder.plotting import kept_epoch

    autoencoder = small(warm_start=True, epochs=3, early_stopping=True).fit(digits)
    autoencoder.fit(digits)  # three more epochs, validated on a new split
    assert autoencoder.n_iter_ == len(autoencoder.loss_curve_) == len(autoencoder.validation_loss_curve_) == 6
    kept = kept_epoch(autoencoder)
    assert kept == autoencoder.best_epoch_ and 3 <= kept <= 6
    if kept > 3:  # a new epoch was kept; else the first fit's last state, validated on the new split
        assert autoencoder.validation_loss_curve_[kept - 1] == autoencoder.best_validation_loss_
    autoencoder.partial_fit(digits[:100])  # an epoch without validation
    assert len(autoencoder.validation_loss_curve_) == 7 and np.isnan(autoencoder.validation_loss_curve_[-1])
    assert autoencoder.best_validation_loss_ is None and kept_epoch(autoencoder) == 7


def test_fit_without_warm_start_starts_over(digits):
    autoencoder = small(epochs=3).fit(digits)
    encoder = autoencoder.encoder_
    autoencoder.fit(digits)
    assert autoencoder.encoder_ is not encoder
    assert autoencoder.n_iter_ == 3


def test_partial_fit_trains_one_epoch_per_call(digits):
    autoencoder = small()
    for chunk in np.array_split(digits, 4):
        autoencoder.partial_fit(chunk)
    assert autoencoder.n_iter_ == 4
    before = autoencoder.score(digits)
    for _ in range(10):
        autoencoder.partial_fit(digits)
    assert autoencoder.score(digits) > before


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd", "adagrad", "adadelta"])
def test_every_optimizer_trains(digits, optimizer):
    autoencoder = small(optimizer=optimizer, learning_rate=0.01, epochs=3).fit(digits)
    assert np.all(np.isfinite(autoencoder.loss_curve_))
    assert autoencoder._training_state.optimizer_state()["config"]["class_name"].lower() == optimizer
    autoencoder.partial_fit(digits)  # continues with that optimizer's state
    assert type(autoencoder._training_state.trainer.optimizer).__name__.lower() == optimizer


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear", "elu", "selu", "softplus"])
def test_every_activation_gives_the_same_codes_as_keras(digits, activation):
    autoencoder = small(activation=activation, code_activation=activation, epochs=1).fit(digits)
    keras_codes = np.asarray(autoencoder.encoder_(digits.astype(np.float32)))
    np.testing.assert_allclose(autoencoder.transform(digits), keras_codes, atol=1e-5)


def test_binary_crossentropy_with_sigmoid_output_trains(digits):
    autoencoder = small(loss="binary_crossentropy", output_activation="sigmoid", epochs=5).fit(digits)
    reconstruction = autoencoder.inverse_transform(autoencoder.transform(digits))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
    assert autoencoder.loss_curve_[-1] < autoencoder.loss_curve_[0]


def test_verbose_1_shows_epoch_losses_and_time_left(digits, capsys):
    small(verbose=1, epochs=3, early_stopping=True, n_iter_no_change=50).fit(digits)
    out = capsys.readouterr().out
    assert "epoch 3/3" in out and "loss" in out and "val_loss" in out and "left" in out


def test_the_last_progress_line_says_why_training_ended_and_which_epoch_was_kept(digits, capsys):
    model = small(verbose=1, epochs=200, early_stopping=True, n_iter_no_change=3, init="random").fit(digits)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert model.n_iter_ < 200, "the fit should stop early for this test to mean anything"
    assert last == (
        f"Early stopping ended training at epoch {model.n_iter_} of 200 (no improvement for 3 epochs); "
        f"kept epoch {model.best_epoch_} (val_loss {model.validation_loss_curve_[model.best_epoch_ - 1]:.6f})."
    )
    small(verbose=1, epochs=2, early_stopping=False).fit(digits)
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Training ran all 2 epochs."


def test_verbose_2_prints_a_line_per_epoch(digits, capsys):
    small(verbose=2, epochs=4).fit(digits)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 4


def test_a_model_assigned_to_encoder_is_used_by_transform(digits):
    from skautoencoder._engine.backend import import_keras

    autoencoder = small(epochs=2).fit(digits)
    before = autoencoder.transform(digits[:5])
    replacement = import_keras().models.clone_model(autoencoder.encoder_)
    replacement.set_weights([np.zeros_like(w) for w in autoencoder.encoder_.get_weights()])
    autoencoder.encoder_ = replacement
    np.testing.assert_array_equal(autoencoder.transform(digits[:5]), replacement.predict(digits[:5], verbose=0))
    assert not np.array_equal(autoencoder.transform(digits[:5]), before)


def test_clear_cache_releases_pooled_trainers_and_fits_go_on(digits):
    import skautoencoder
    from skautoencoder._engine.trainer_pool import TRAINER_POOL

    small(epochs=1).fit(digits)
    assert TRAINER_POOL._local.trainers
    skautoencoder.clear_cache()
    assert not TRAINER_POOL._local.trainers
    assert np.isfinite(small(epochs=1).fit(digits).score(digits))


@pytest.mark.parametrize("setting", ["optimizer", "loss"])
def test_clones_with_a_keras_object_share_one_compiled_trainer(digits, setting):
    import keras
    from sklearn.base import clone

    import skautoencoder
    from skautoencoder._engine.trainer_pool import TRAINER_POOL

    # clone deep-copies the object: the pool compares it by class and configuration.
    value = keras.optimizers.Adam(learning_rate=1e-3) if setting == "optimizer" else keras.losses.MeanSquaredError()
    model = small(epochs=1, **{setting: value})
    skautoencoder.clear_cache()
    for _ in range(3):
        clone(model).fit(digits)
    assert len(TRAINER_POOL._local.trainers) == 1


def test_image_shape_needs_at_least_one_convolutional_block(digits):
    with pytest.raises(ValueError, match="give at least one, e.g. hidden_layer_sizes=\\(16, 32\\), not \\(\\)"):
        small(image_shape=(8, 8), hidden_layer_sizes=()).fit(digits)


def test_partial_fit_calls_go_on_with_one_compiled_trainer(digits):
    model = small()
    chunks = [digits[:100], digits[100:200], digits[200:237]]
    model.partial_fit(chunks[0])
    trainer = model._training_state.trainer
    for chunk in chunks[1:] + chunks:
        model.partial_fit(chunk)
        assert model._training_state.trainer is trainer
    # Chunks of two sizes: after the second shape, one trace serves them all.
    assert trainer._epoch_fns["graph"].experimental_get_tracing_count() <= 2
