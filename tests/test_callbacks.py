"""Keras callbacks: called at epoch boundaries with Keras's logs, copied per fit."""

import csv
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits

from skautoencoder import AutoencoderTransformer, load

keras = pytest.importorskip("keras")

X = (load_digits().data / 16)[:300]


def small(**params):
    defaults = dict(n_components=2, hidden_layer_sizes=(16,), neighbor_weight=0.0, epochs=4, random_state=0)
    return AutoencoderTransformer(**{**defaults, **params})


def read_csv(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_csv_logger_gets_each_epochs_loss_and_validation_loss(tmp_path):
    model = small(callbacks=[keras.callbacks.CSVLogger(tmp_path / "log.csv")]).fit(X)
    rows = read_csv(tmp_path / "log.csv")
    assert [int(row["epoch"]) for row in rows] == list(range(model.n_iter_))
    np.testing.assert_allclose([float(row["loss"]) for row in rows], model.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose([float(row["val_loss"]) for row in rows], model.validation_loss_curve_, rtol=1e-6)


@pytest.mark.slow
def test_model_checkpoint_saves_the_best_epoch_the_estimator_keeps(tmp_path):
    path = tmp_path / "best.keras"
    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    # From a random start, so that a trained epoch is the best, not the start.
    model = small(epochs=6, init="random", callbacks=[checkpoint]).fit(X)
    assert model.best_validation_loss_ == min(model.validation_loss_curve_)
    saved = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(
        saved.predict(X, verbose=0), model.inverse_transform(model.transform(X)), rtol=1e-4, atol=1e-6
    )


def test_learning_rate_scheduler_sets_the_optimizers_rate_each_epoch():
    frozen = small(callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, rate: 0.0)], early_stopping=False)
    frozen.fit(X)
    # With a rate of zero no step moves the weights: every epoch sees the same loss.
    np.testing.assert_allclose(frozen.loss_curve_, frozen.loss_curve_[0], rtol=1e-6)
    halving = small(callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, rate: 0.01 * 0.5**epoch)]).fit(X)
    rate = halving.callbacks_[0].model.optimizer.learning_rate
    assert float(keras.ops.convert_to_numpy(rate)) == pytest.approx(0.01 * 0.5**3)
    assert not np.allclose(halving.loss_curve_, small().fit(X).loss_curve_)


def test_reduce_lr_on_plateau_lowers_the_rate_when_the_validation_loss_stalls():
    # min_delta larger than any change: every epoch after the first is a plateau.
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=1e9)
    model = small(learning_rate=0.002, callbacks=[plateau]).fit(X)
    rate = float(keras.ops.convert_to_numpy(model.callbacks_[0].model.optimizer.learning_rate))
    assert rate == pytest.approx(0.002 * 0.5 ** (model.n_iter_ - 1))


@pytest.mark.slow
def test_tensorboard_writes_training_and_validation_logs(tmp_path):
    pytest.importorskip("tensorboard")
    small(callbacks=[keras.callbacks.TensorBoard(tmp_path)]).fit(X)
    for part in ("train", "validation"):
        assert list((tmp_path / part).glob("events.out.tfevents.*")), part


class StopAtEpoch(keras.callbacks.Callback):
    def __init__(self, last_epoch):
        super().__init__()
        self.last_epoch = last_epoch
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append((epoch, sorted(logs)))
        if epoch == self.last_epoch:
            self.model.stop_training = True


def test_stop_training_ends_the_fit_without_a_convergence_warning(recwarn):
    model = small(epochs=50, callbacks=[StopAtEpoch(2)]).fit(X)
    assert model.n_iter_ == 3
    assert model.callbacks_[0].seen == [(0, ["loss", "val_loss"]), (1, ["loss", "val_loss"]), (2, ["loss", "val_loss"])]
    assert not [w for w in recwarn if "Maximum epochs" in str(w.message)]


@pytest.mark.slow
def test_keras_early_stopping_works_without_the_estimators(recwarn):
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=1e9, patience=1)
    model = small(epochs=50, early_stopping=False, callbacks=[stopper]).fit(X)
    assert model.n_iter_ == 2


def test_a_nan_loss_ends_the_fit_with_an_error_and_the_estimator_unchanged():
    model = small(epochs=1, callbacks=[keras.callbacks.TerminateOnNaN()]).fit(X)
    codes = model.transform(X)
    model.set_params(optimizer="sgd", learning_rate=1e12, epochs=20)
    with pytest.raises(ValueError, match="Training diverged"):
        model.fit(X * 1000)
    np.testing.assert_array_equal(model.transform(X), codes)


def test_each_fit_calls_copies_and_never_changes_the_parameter(tmp_path):
    recorder = StopAtEpoch(last_epoch=-1)
    model = small(callbacks=[recorder])
    model.fit(X)
    assert model.callbacks[0] is recorder and recorder.seen == [] and recorder.model is None
    first = model.callbacks_[0]
    assert len(first.seen) == model.n_iter_
    model.fit(X)
    assert model.callbacks_[0] is not first
    searched = clone(model)
    assert searched.callbacks[0] is not recorder and searched.callbacks[0].seen == []


def test_partial_fit_goes_on_with_the_same_copies_and_counts_epochs(tmp_path):
    model = small(callbacks=[keras.callbacks.CSVLogger(tmp_path / "log.csv", append=True)])
    model.partial_fit(X[:100])
    first = model.callbacks_[0]
    model.partial_fit(X[100:200]).partial_fit(X[200:])
    assert model.callbacks_[0] is first
    assert [int(row["epoch"]) for row in read_csv(tmp_path / "log.csv")] == [0, 1, 2]


def test_something_else_in_the_list_is_refused_by_position():
    model = small(callbacks=[keras.callbacks.TerminateOnNaN(), "csv"])
    with pytest.raises(
        TypeError, match="callbacks must be a list of keras.callbacks.Callback instances; item 1 is str"
    ):
        model.fit(X)
    assert not hasattr(model, "encoder_")


@pytest.mark.slow
def test_pickling_and_saving_keep_the_model_but_not_the_callbacks(tmp_path):
    model = small(callbacks=[keras.callbacks.CSVLogger(tmp_path / "log.csv")]).fit(X)
    model.save(tmp_path / "model.skae")
    loaded = load(tmp_path / "model.skae")
    assert loaded.callbacks is None  # callbacks are code, not data
    for restored in (pickle.loads(pickle.dumps(model)), loaded):
        assert restored.callbacks_ is None
        np.testing.assert_array_equal(restored.transform(X), model.transform(X))
