"""Optimizers, losses and activations: any name Keras knows, or Keras objects."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits

from skautoencoder import AutoencoderTransformer, DataScaleWarning, load

keras = pytest.importorskip("keras")

X = (load_digits().data / 16)[:300]


def small(**params):
    defaults = dict(
        n_components=2, hidden_layer_sizes=(16,), neighbor_weight=0.0, epochs=3, early_stopping=False, random_state=0
    )
    return AutoencoderTransformer(**{**defaults, **params})


class OptimizerSeen(keras.callbacks.Callback):
    """Records the optimizer the fit trains with."""

    def on_train_begin(self, logs=None):
        self.optimizer = self.model.optimizer


def frozen():
    """A callback that keeps the weights where they start, so the loss can be checked by hand."""
    return keras.callbacks.LearningRateScheduler(lambda epoch, rate: 0.0)


@pytest.mark.parametrize(
    "loss, per_entry",
    [
        ("mae", lambda x, r: np.abs(x - r)),
        (
            keras.losses.Huber(delta=0.1),
            lambda x, r: np.where(np.abs(x - r) <= 0.1, 0.5 * (x - r) ** 2, 0.1 * np.abs(x - r) - 0.005),
        ),
        (lambda x, r: keras.ops.abs(x - r) ** 3, lambda x, r: np.abs(x - r) ** 3),
    ],
    ids=["mae", "Huber object", "function per entry"],
)
def test_the_loss_trained_is_the_one_given(loss, per_entry):
    model = small(loss=loss, epochs=2, callbacks=[frozen()]).fit(X)
    reconstruction = model.inverse_transform(model.transform(X))
    expected = per_entry(X, reconstruction).mean()
    np.testing.assert_allclose(model.loss_curve_, expected, rtol=1e-4)


def test_any_keras_name_trains():
    model = small(optimizer="nadam", activation="gelu", loss="log_cosh", callbacks=[OptimizerSeen()]).fit(X)
    assert type(model.callbacks_[0].optimizer).__name__ == "Nadam"
    assert model.encoder_.get_layer("encoder_hidden_1").activation is keras.activations.gelu
    assert np.all(np.isfinite(model.loss_curve_)) and model.loss_curve_[-1] < model.loss_curve_[0]


def test_an_optimizer_object_is_copied_with_its_settings_and_never_changed():
    given = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    model = small(optimizer=given, callbacks=[OptimizerSeen()]).fit(X)
    used = model.callbacks_[0].optimizer
    assert used is not given and not given.built
    assert type(used).__name__ == "SGD" and used.momentum == 0.9
    assert float(keras.ops.convert_to_numpy(used.learning_rate)) == pytest.approx(0.05)
    # An explicit learning_rate replaces the object's.
    model.set_params(learning_rate=0.2).fit(X)
    assert float(keras.ops.convert_to_numpy(model.callbacks_[0].optimizer.learning_rate)) == pytest.approx(0.2)
    assert clone(model).optimizer is not given


@pytest.mark.slow
def test_learning_rate_none_keeps_the_optimizers_own():
    for name, rate in (("adam", 0.001), ("sgd", 0.01)):
        model = small(optimizer=name, callbacks=[OptimizerSeen()]).fit(X)
        assert float(keras.ops.convert_to_numpy(model.callbacks_[0].optimizer.learning_rate)) == pytest.approx(rate)


@pytest.mark.parametrize(
    "parameter, value, kind",
    [
        ("optimizer", "nadamx", "an optimizer"),
        ("activation", "gelux", "an activation"),
        ("output_activation", "sigmoidd", "an activation"),
        ("loss", "maex", "a loss"),
    ],
)
def test_a_name_keras_does_not_know_is_refused_naming_the_parameter(parameter, value, kind):
    model = small().fit(X)
    codes = model.transform(X)
    with pytest.raises(ValueError, match=f"{parameter}='{value}' is not {kind} Keras knows"):
        model.set_params(**{parameter: value}).fit(X)
    np.testing.assert_array_equal(model.transform(X), codes)


def test_a_bounded_activation_of_any_name_warns_on_data_outside_its_range():
    with pytest.warns(DataScaleWarning, match=r"output_activation='softsign' gives values in \[-0.9999, 0.9999\]"):
        small(output_activation="softsign", epochs=1).fit(X * 16)
    with pytest.warns(DataScaleWarning, match=r"gives values in \[-0.17, inf\]"):
        small(output_activation=keras.activations.gelu, epochs=1).fit(X - 0.5)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        small(output_activation="softsign", epochs=1).fit(2 * X - 1)  # [-1, 1]: reached closely enough
        small(output_activation="gelu", epochs=1).fit(X)


def test_a_loss_giving_one_number_per_batch_is_refused_at_the_door_and_the_estimator_unchanged(monkeypatch):
    from skautoencoder import _fitting

    model = small().fit(X)
    codes = model.transform(X)

    def no_pass(*args, **kwargs):
        raise AssertionError("the PCA start was fitted before the loss was checked")

    monkeypatch.setattr(_fitting, "fit_pca_anchor", no_pass)
    with pytest.raises(ValueError, match="gives one number for the whole batch; it must give one value per row"):
        model.set_params(loss=lambda x, r: keras.ops.mean((x - r) ** 2)).fit(X)
    np.testing.assert_array_equal(model.transform(X), codes)


@pytest.mark.slow
def test_keras_objects_survive_save_load_and_pickling(tmp_path):
    model = small(
        optimizer=keras.optimizers.Nadam(learning_rate=0.002),
        loss=keras.losses.MeanAbsoluteError(),
        activation=keras.activations.silu,
        output_activation="softplus",
    ).fit(X)
    model.save(tmp_path / "model.skae")
    for restored in (load(tmp_path / "model.skae"), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(restored.transform(X), model.transform(X))
        assert type(restored.optimizer).__name__ == "Nadam"
        assert restored.optimizer.get_config()["learning_rate"] == pytest.approx(0.002)
        assert isinstance(restored.loss, keras.losses.MeanAbsoluteError)
        assert restored.activation is keras.activations.silu
        restored.fit(X)  # and trains again with them


def test_saving_refuses_code_of_the_users_own_and_writes_nothing(tmp_path):
    def my_loss(x, reconstruction):
        return keras.ops.abs(x - reconstruction)

    model = small(loss=my_loss, epochs=1).fit(X)
    with pytest.raises(
        ValueError, match="loss=<function .*my_loss.* is code of your own, which save\\(\\) does not store"
    ):
        model.save(tmp_path / "model.skae")
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_saving_never_loses_a_setting_the_keras_configuration_leaves_out(tmp_path):
    # Some Keras versions leave Huber's delta out of its configuration.
    model = small(loss=keras.losses.Huber(delta=0.5), epochs=1).fit(X)
    try:
        model.save(tmp_path / "model.skae")
    except ValueError as error:
        assert "does not keep all its settings in its Keras configuration" in str(error)
        assert not list(tmp_path.iterdir())
    else:
        assert load(tmp_path / "model.skae").loss.get_config()["delta"] == 0.5
