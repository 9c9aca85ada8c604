"""Every variant, alone and with the neighbourhood term, trains in a compiled graph traced once per shape."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

import skautoencoder._engine.compiled_trainer as training
from skautoencoder import AutoencoderTransformer

VARIANTS = {
    "plain": {},
    "dropout": {"dropout": 0.1},
    "batch normalisation": {"batch_normalization": True},
    "gaussian corruption": {"corruption": "gaussian"},
    "contractive": {"contractive_weight": 0.01},
    "variational": {"variational": True},
    "tied weights": {"tied_weights": True},
}


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:300] / 16


@pytest.fixture
def epoch_calls(monkeypatch):
    """(trainer, mode) of every epoch that a fit runs."""
    calls = []
    train_epoch = training.CompiledTrainer.train_epoch

    def recording(self, *args, **kwargs):
        calls.append((self, kwargs["mode"]))
        return train_epoch(self, *args, **kwargs)

    monkeypatch.setattr(training.CompiledTrainer, "train_epoch", recording)
    return calls


# Six epochs from a random start: the map's cost in reconstruction is said, and not what this test is about.
@pytest.mark.filterwarnings("ignore:With the neighbourhood term:skautoencoder.exceptions.NeighborhoodWarning")
@pytest.mark.parametrize("neighbor_weight", [0.0, 1.0], ids=["alone", "with neighbours"])
@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_each_epoch_runs_one_compiled_function_traced_once(digits, epoch_calls, variant, neighbor_weight):
    # 300 rows at batch 32, 6 epochs: 60 steps, past the eager threshold.
    model = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(16,),
        epochs=6,
        batch_size=32,
        early_stopping=False,
        init="random",
        neighbor_weight=neighbor_weight,
        random_state=0,
        **variant,
    ).fit(digits)
    assert np.isfinite(model.score(digits))
    assert len(epoch_calls) == 6
    (trainer,) = {trainer for trainer, _ in epoch_calls}
    (mode,) = {mode for _, mode in epoch_calls}
    assert mode in ("graph", "xla")
    # One full call per epoch and one for its last, shorter batch: two
    # shapes at most, however many epochs run.
    assert 1 <= trainer._epoch_fns[mode].experimental_get_tracing_count() <= 2


def test_a_pooled_trainer_draws_dropout_masks_and_classifier_weights_from_each_fits_seed(digits):
    """A fit on a trainer another seed used first gives what it gives on a new one."""
    import skautoencoder

    labels = load_digits().target[: len(digits)]
    settings = dict(hidden_layer_sizes=(16,), epochs=3, batch_size=32, dropout=0.2, label_weight=1.0)
    settings.update(neighbor_weight=0.0)  # one fit each, without the map's choice
    skautoencoder.clear_cache()
    on_a_new_trainer = AutoencoderTransformer(2, random_state=1, **settings).fit(digits, labels).transform(digits)
    skautoencoder.clear_cache()
    first = AutoencoderTransformer(2, random_state=0, **settings).fit(digits, labels)
    second = AutoencoderTransformer(2, random_state=1, **settings).fit(digits, labels)
    assert second._training_state.trainer is None  # both trained on the pooled trainer
    np.testing.assert_array_equal(second.transform(digits), on_a_new_trainer)
    assert not np.array_equal(first.transform(digits), on_a_new_trainer)


def test_fits_of_new_networks_keep_no_traced_graph_once_their_trainers_are_released(digits):
    """Each new network's traced steps are freed with its trainer (``clear_cache``).

    Keras's optimizers, called in TensorFlow's default replica context, sum
    the gradients over one replica through a function that TensorFlow keeps,
    with the whole traced step, in a process-wide registry; the trainer
    applies its updates outside that context (``bench_scale.py --parts
    many_fits`` measures the memory it saves).
    """
    import gc

    import skautoencoder
    from skautoencoder._engine.backend import import_tensorflow

    tf = import_tensorflow()

    def traced_graphs():
        gc.collect()
        # type(), not isinstance(): a weak proxy whose object is gone raises on the latter.
        return sum(issubclass(type(thing), tf.Graph) for thing in gc.get_objects())

    settings = dict(epochs=2, batch_size=32, neighbor_weight=0.0, random_state=0)
    AutoencoderTransformer(2, hidden_layer_sizes=(2,), **settings).fit(digits)
    skautoencoder.clear_cache()
    before = traced_graphs()
    for width in (3, 4, 5):
        AutoencoderTransformer(2, hidden_layer_sizes=(width,), **settings).fit(digits)
    skautoencoder.clear_cache()
    assert traced_graphs() <= before
