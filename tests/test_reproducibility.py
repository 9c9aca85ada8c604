"""Seeded fits are bitwise reproducible and leave global random state alone."""

import random

import numpy as np
import pytest

from skautoencoder import AutoencoderTransformer

from ._helpers import run_python

X = np.random.RandomState(1).rand(120, 8)
# Without early stopping: it could keep the PCA start, the same for every seed.
# Reconstruction alone: with the neighbourhood term (the default for 3-D
# codes) fits agree to float32 rounding only, as the map case below checks.
PARAMS = dict(
    n_components=3,
    hidden_layer_sizes=(6,),
    epochs=4,
    batch_size=16,
    early_stopping=False,
    neighbor_weight=0.0,
    random_state=7,
)


def test_same_seed_gives_bitwise_identical_codes_in_one_process():
    first = AutoencoderTransformer(**PARAMS).fit(X).transform(X)
    second = AutoencoderTransformer(**PARAMS).fit(X).transform(X)
    np.testing.assert_array_equal(first, second)


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_same_seed_gives_identical_codes_with_early_stopping_and_long_fits():
    # Long enough to take the XLA-compiled path (more than 2,500 steps).
    params = {**PARAMS, "epochs": 200, "batch_size": 8, "early_stopping": True, "n_iter_no_change": 200}
    first = AutoencoderTransformer(**params).fit(X)
    second = AutoencoderTransformer(**params).fit(X)
    assert first.loss_curve_ == second.loss_curve_
    np.testing.assert_array_equal(first.transform(X), second.transform(X))


def test_fits_of_other_sizes_in_between_leave_a_seeded_fit_unchanged():
    # After a second data size the pooled trainer's graph serves every size.
    first = AutoencoderTransformer(**PARAMS).fit(X).transform(X)
    AutoencoderTransformer(**PARAMS).fit(X[:90])
    AutoencoderTransformer(**PARAMS).fit(X[:50])
    np.testing.assert_array_equal(AutoencoderTransformer(**PARAMS).fit(X).transform(X), first)


def test_different_seeds_give_different_codes():
    first = AutoencoderTransformer(**PARAMS).fit(X).transform(X)
    other = AutoencoderTransformer(**{**PARAMS, "random_state": 8}).fit(X).transform(X)
    assert not np.array_equal(first, other)


@pytest.mark.slow
@pytest.mark.parametrize("neighbor_weight", [0.0, "auto"], ids=["reconstruction", "map"])
def test_same_seed_gives_bitwise_identical_codes_across_processes(tmp_path, neighbor_weight):
    """A fresh process fits what this one fits, after all the fits this one has made.

    Two processes: a new one, whose fit is its first, and this test's own,
    which has run other tests' fits before (they leave a seeded fit
    unchanged, as a test above checks in one process). A fit that varied
    from process to process differs between them.
    """
    params = {**PARAMS, "neighbor_weight": neighbor_weight}
    np.save(tmp_path / "X.npy", X)
    code = (
        "import sys, numpy as np; from skautoencoder import AutoencoderTransformer; "
        f"m = AutoencoderTransformer(**{params!r}).fit(np.load(sys.argv[1])); "
        "np.save(sys.argv[2], m.transform(np.load(sys.argv[1])))"
    )
    result = run_python(code, tmp_path / "X.npy", tmp_path / "codes.npy")
    assert result.returncode == 0, result.stderr
    here = AutoencoderTransformer(**params).fit(X).transform(X)
    there = np.load(tmp_path / "codes.npy")
    if neighbor_weight == 0.0:
        np.testing.assert_array_equal(there, here)
    else:
        # With the neighbourhood term fits agree to float32 rounding (user guide, "Using it",
        # Reproducibility: one sum's order varies with TensorFlow's inter-op
        # threads); after the rest of the suite this process measured 1e-10.
        np.testing.assert_allclose(there, here, rtol=1e-5, atol=1e-7)


def test_fit_leaves_global_random_state_untouched():
    import keras
    from keras.src.backend.common import global_state

    def states():
        # Keras's unseeded draws advance its global seed generator, which
        # keras.utils.set_random_seed does not reset on every supported
        # version: compare the generator's state itself.
        keras.random.uniform(())  # makes the generator if there is none yet
        generator = global_state.get_global_attribute("global_seed_generator")
        return random.getstate(), np.random.get_state()[1].copy(), np.array(generator.state.numpy())

    random.seed(3)
    np.random.seed(3)
    python_state, numpy_state, keras_state = states()
    AutoencoderTransformer(**PARAMS).fit(X).transform(X)
    AutoencoderTransformer(**{**PARAMS, "random_state": None, "early_stopping": True}).fit(X)
    generator = global_state.get_global_attribute("global_seed_generator")
    assert random.getstate() == python_state
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)
    np.testing.assert_array_equal(generator.state.numpy(), keras_state)


@pytest.mark.parametrize(
    "variant",
    [
        {},
        # From a random start: from PCA's, one epoch may not beat the start.
        pytest.param({"early_stopping": True, "init": "random"}, marks=pytest.mark.slow),
        pytest.param(
            {"corruption": "gaussian", "corruption_level": 0.1, "contractive_weight": 0.01}, marks=pytest.mark.slow
        ),
        pytest.param({"neighbor_weight": 1.0, "n_neighbors": 5}, marks=pytest.mark.slow),
    ],
    ids=["plain", "early-stopping", "denoising-contractive", "neighbours"],
)
def test_eager_and_compiled_steps_give_the_same_fit(variant, monkeypatch):
    # Whether a short fit runs eagerly or on a compiled graph depends on
    # whether its trainer is kept for later fits (so a configuration always
    # runs the same way); the two agree to float32 rounding (bitwise on the
    # newest versions, within 1e-7 on TensorFlow 2.16).
    from skautoencoder._engine import training_loop

    short = {**PARAMS, "epochs": 1, "batch_size": 32, **variant}  # 4 steps or fewer
    compiled = AutoencoderTransformer(**short).fit(X)
    monkeypatch.setattr(training_loop, "epoch_modes", lambda *args, **kwargs: lambda epoch: "eager")
    eager = AutoencoderTransformer(**short).fit(X)
    np.testing.assert_allclose(compiled.loss_curve_, eager.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(compiled.transform(X), eager.transform(X), rtol=1e-4, atol=1e-5)
    assert not np.array_equal(
        compiled.transform(X), AutoencoderTransformer(**{**short, "random_state": 8}).fit(X).transform(X)
    )


def test_a_short_fit_on_a_pooled_trainer_runs_compiled_and_a_one_off_eagerly():
    from skautoencoder._engine.compiled_trainer import execution_mode
    from skautoencoder._engine.trainer_pool import TRAINER_POOL

    assert execution_mode(4) == "eager" and execution_mode(4, reused=True) == "graph"
    assert execution_mode(8) == "graph" and execution_mode(2500) == "xla"
    AutoencoderTransformer(**{**PARAMS, "epochs": 1, "batch_size": 32}).fit(X)
    (trainer,) = [t for key, t in TRAINER_POOL._local.trainers.items() if key[0] == X.shape[1]][-1:]
    assert trainer.reused and trainer._epoch_fns["graph"].experimental_get_tracing_count() >= 1


def test_a_fit_that_may_stop_early_compiles_xla_only_once_it_has_run_its_first_steps_as_a_graph(monkeypatch):
    # Early stopping ends most fits of small data before compiling would
    # have paid off: the first XLA_SWITCH_STEPS steps run as a graph.
    from skautoencoder._engine import compiled_trainer
    from skautoencoder._engine.compiled_trainer import epoch_modes
    from skautoencoder._engine.trainer_pool import TRAINER_POOL

    monkeypatch.setattr(compiled_trainer, "XLA_MIN_STEPS", 12)
    monkeypatch.setattr(compiled_trainer, "XLA_SWITCH_STEPS", 12)
    assert [epoch_modes(10, 4, may_stop_early=True)(e) for e in (1, 3, 4, 10)] == ["graph", "graph", "xla", "xla"]
    assert epoch_modes(10, 4)(1) == "xla" and epoch_modes(2, 4, may_stop_early=True)(1) == "graph"
    # Wider rows gain more from XLA a step: proportionally fewer graph steps.
    assert epoch_modes(10, 4, may_stop_early=True, width=800)(2) == "xla"
    rows = np.random.RandomState(2).rand(150, 7)  # a width no other test fits, so its trainer is new
    params = {**PARAMS, "epochs": 10, "batch_size": 32, "early_stopping": True, "validation_fraction": 0.2}
    params["n_iter_no_change"] = 50
    fitted = AutoencoderTransformer(**params).fit(rows)  # 4 steps an epoch
    (trainer,) = [t for key, t in TRAINER_POOL._local.trainers.items() if key[0] == rows.shape[1]][-1:]
    assert trainer._epoch_fns["graph"].experimental_get_tracing_count() >= 1
    assert trainer._epoch_fns["xla"].experimental_get_tracing_count() >= 1
    assert len(fitted.loss_curve_) == 10 and np.isfinite(fitted.loss_curve_).all()
