"""Which trainer a fit uses: pooled, its own, or distributed; and what it keeps after."""

from .backend import import_tensorflow
from .compiled_trainer import CompiledTrainer
from .keras_objects import make_optimizer
from .loss_terms import loss_terms
from .networks import build_networks, mirrored_dense_pairs, user_model
from .objectives import Objective
from .serialization import optimizer_state, restore_optimizer
from .trainer_pool import TRAINER_POOL


class TrainingState:
    """How training goes on after a fit: its live trainer, or its optimizer's saved state.

    A fit on the estimator's own models keeps the trainer (``partial_fit``
    then continues with the same optimizer and compiled steps); a pooled or
    distributed fit trained copies, so only the optimizer's variables are
    kept. Pickling keeps the optimizer's variables only.
    """

    def __init__(self, trainer=None, saved_optimizer=None):
        self.trainer = trainer
        self.saved_optimizer = saved_optimizer

    def optimizer_state(self):
        """The optimizer's configuration and variables as plain data, or None."""
        if self.trainer is not None:
            return optimizer_state(self.trainer.optimizer)
        return self.saved_optimizer

    def __getstate__(self):
        return {"trainer": None, "saved_optimizer": self.optimizer_state()}


def build_networks_for(config, seed):
    """The encoder and decoder ``config`` asks for, with fresh weights from ``seed``."""
    encoder, decoder = build_networks(config.n_features, config.spec, seed)
    if config.encoder is not None:
        encoder = user_model(config.encoder, config.n_features, config.n_components, "encoder", seed)
    if config.decoder is not None:
        decoder = user_model(config.decoder, config.n_components, config.n_features, "decoder", seed + 1)
    return encoder, decoder


def objective_for(config, encoder, decoder, seed):
    """The loss ``config`` asks for, on these networks: reconstruction and the terms of :func:`loss_terms`."""
    return Objective(
        encoder,
        decoder,
        config.loss,
        terms=loss_terms(config),
        corruption=config.corruption,
        corruption_level=config.corruption_level,
        variational=config.variational,
        seed=seed,
        tied_pairs=mirrored_dense_pairs(encoder, decoder, anchored=config.spec.pca_anchored)
        if config.tied_weights
        else (),
        missing_values=config.missing_values,
    )


def _own_trainer(config, encoder, decoder, seed, reused=False):
    optimizer = make_optimizer(config.optimizer, config.learning_rate)
    return CompiledTrainer(
        objective_for(config, encoder, decoder, seed), optimizer, settings=config.training_settings, reused=reused
    )


def trainer_for_new_networks(config, encoder, decoder, seed, *, continued=False):
    """The trainer for a fresh fit of ``encoder`` and ``decoder``.

    Networks built from the parameters alone train as copies in a compiled
    trainer kept in ``TRAINER_POOL`` for the next fit of the same shape, and
    with a distribution strategy as copies on its devices. User models,
    pretraining, Keras callbacks (whose ``model`` is then the fitted
    networks) and a first ``partial_fit`` call (``continued``: the next calls
    go on with the same trainer) get a trainer of their own.
    """
    if config.distribution_strategy is not None:
        return _distributed_trainer(config, encoder, decoder, seed)
    if not config.builds_own_networks or config.pretrain_epochs or config.callbacks or continued:
        return _own_trainer(config, encoder, decoder, seed, reused=continued)
    key = (config.n_features, config.spec, config.training_settings)
    trainer = TRAINER_POOL.trainer(key, lambda: _own_trainer(config, *build_networks_for(config, 0), seed))
    trainer.start_from(encoder.get_weights(), decoder.get_weights(), seed)
    return trainer


def _distributed_trainer(config, encoder, decoder, seed):
    """A trainer of copies of ``encoder`` and ``decoder`` on the strategy's devices."""
    strategy = config.distribution_strategy
    if strategy == "mirrored":
        strategy = import_tensorflow().distribute.MirroredStrategy()
    with strategy.scope():
        objective = objective_for(config, *build_networks_for(config, 0), seed)
        optimizer = make_optimizer(config.optimizer, config.learning_rate)
        trainer = CompiledTrainer(objective, optimizer, settings=config.training_settings, strategy=strategy)
    trainer.start_from(encoder.get_weights(), decoder.get_weights(), seed)
    return trainer


def trainer_for_continuing(config, state, encoder, decoder, *, keep_optimizer, seed):
    """The trainer for more epochs on fitted networks.

    ``partial_fit`` (``keep_optimizer``) keeps the optimizer and its
    compiled steps between calls; ``fit`` with ``warm_start`` starts a fresh
    optimizer.
    """
    trainer = state.trainer if state is not None else None
    if keep_optimizer and trainer is not None and trainer.settings == config.training_settings:
        return trainer
    if config.distribution_strategy is not None:
        new_trainer = _distributed_trainer(config, encoder, decoder, seed)
    else:
        new_trainer = _own_trainer(config, encoder, decoder, seed, reused=keep_optimizer)
    if keep_optimizer and trainer is None and state is not None and state.saved_optimizer is not None:
        restore_optimizer(new_trainer.optimizer, state.saved_optimizer)
    return new_trainer


def state_after(trainer, encoder, decoder):
    """Bring the fitted weights home to ``encoder`` and ``decoder``; the state to keep."""
    if trainer.objective.encoder is encoder:
        return TrainingState(trainer=trainer)
    # A pooled or distributed trainer trained copies of the models.
    encoder.set_weights(trainer.objective.encoder.get_weights())
    decoder.set_weights(trainer.objective.decoder.get_weights())
    return TrainingState(saved_optimizer=optimizer_state(trainer.optimizer))
