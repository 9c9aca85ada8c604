"""The epoch loop: training epochs, early stopping, and which state a fit keeps.

:func:`train` runs a :class:`~skautoencoder._engine.compiled_trainer.CompiledTrainer`'s
epochs over the training rows, scores the validation rows after each, stops
when they stop improving, and restores the best state seen, the untrained
start included. With a :class:`~skautoencoder._engine.pca_floor.PcaFloor`,
the kept state must also be, with confidence on the validation rows, no
worse than PCA; otherwise a PCA-anchored fit keeps the PCA it started from.
"""

import math
from dataclasses import dataclass, field

from ..exceptions import TrainingDiverged
from .compiled_trainer import epoch_modes


@dataclass
class TrainingResult:
    """What one call of :func:`train` observed."""

    loss_curve: list = field(default_factory=list)
    validation_loss_curve: list = field(default_factory=list)
    best_validation_loss: float = math.inf
    stopped_early: bool = False
    # With a floor: whether the kept state is the untrained start, whether
    # no state held the floor, and the kept state's validation error over
    # PCA's.
    kept_start: bool = False
    below_floor: bool = False
    ratio_to_pca: float = None
    # With validation rows: the kept state's epoch, 0 for the state the fit started from.
    kept_epoch: int = None


class _BestState:
    """The lowest validation loss seen so far among some states, and their weights."""

    def __init__(self):
        self.loss, self.weights, self.epoch = math.inf, None, None

    def offer(self, loss, models, epoch):
        if loss < self.loss or self.weights is None:
            self.loss, self.epoch = loss, epoch
            self.weights = [model.get_weights() for model in models]


def _improvement_bound(best_loss, tol):
    """The validation loss below which an epoch counts as an improvement on ``best_loss``."""
    return best_loss - tol * abs(best_loss) if math.isfinite(best_loss) else math.inf


def train(
    trainer,
    source,
    train_rows,
    *,
    epochs,
    batch_size,
    shuffle,
    rng,
    validation_rows=None,
    n_iter_no_change=None,
    tol=None,
    floor=None,
    progress=None,
    callbacks=None,
):
    """Train for up to ``epochs`` epochs, with early stopping on validation rows.

    With ``validation_rows``, training stops once the validation loss has not
    improved by at least ``tol`` times its best value for ``n_iter_no_change``
    epochs in a row (a relative tolerance, the same on any units), and
    the weights of the best validation epoch are restored; the weights before
    the first epoch count as a candidate, so the result is never worse on the
    validation rows than the starting point. Without them, all
    ``epochs`` run.

    Parameters
    ----------
    trainer : CompiledTrainer
    source : InMemoryRows or StreamedRows
        The data (see :mod:`skautoencoder._data_sources`).
    train_rows : ndarray of int
        Sorted rows of ``source`` to train on.
    epochs, batch_size : int
    shuffle : bool
        Whether to visit ``train_rows`` in a new random order each epoch.
    rng : numpy.random.RandomState
        Source of the shuffling order.
    validation_rows : ndarray of int, default=None
    n_iter_no_change : int, default=None
        Needed with ``validation_rows``, unused without.
    tol : float, default=None
        Needed with ``validation_rows``. Relative: an epoch improves if its
        validation loss is below the best so far minus ``tol`` times that
        best's magnitude.
    floor : PcaFloor, default=None
        With ``validation_rows`` (its reference errors are theirs, in
        order): the kept state must hold it. With ``floor.each_epoch``, the
        kept state is the best, by validation loss, of those that hold it
        (the untrained start included); only when none does, the best of
        all, and the result says so. Otherwise the state chosen by
        validation loss is checked once at the end and, if it does not hold
        the floor, the untrained start (a PCA-anchored network: PCA itself)
        is kept instead. A floor without reference errors takes the
        untrained start's.
    progress : TrainingProgress, default=None
    callbacks : EpochCallbacks, default=None
        The user's Keras callbacks; one that sets ``stop_training`` ends
        the fit after that epoch.

    Returns
    -------
    TrainingResult

    Raises
    ------
    TrainingDiverged
        When an epoch's loss is NaN or infinite.
    """
    result = TrainingResult()
    models = (trainer.objective.encoder, trainer.objective.decoder)
    best, best_within_limit, start = _BestState(), _BestState(), _BestState()
    floored = validation_rows is not None and floor is not None
    limited = floored and floor.each_epoch
    improved_on = math.inf
    epochs_without_improvement = 0
    mode_at = epoch_modes(
        epochs,
        -(-len(train_rows) // batch_size),
        trainer.reused,
        may_stop_early=validation_rows is not None,
        width=source.n_features,
    )
    mode = mode_at(1)

    def offer(loss, epoch):
        loss = loss if math.isfinite(loss) else math.inf
        best.offer(loss, models, epoch)
        if limited and floor.holds(trainer.squared_errors(source, validation_rows, mode)):
            best_within_limit.offer(loss, models, epoch)

    if validation_rows is not None:
        # The starting state is a candidate too: a PCA-anchored network that
        # no epoch improves on stays the PCA it started from.
        starting_loss = trainer.evaluate(source, validation_rows, mode)
        if floored:
            if floor.reference_errors is None:
                floor = floor.with_reference(trainer.squared_errors(source, validation_rows, mode))
            start.offer(starting_loss, models, 0)
        offer(starting_loss, 0)
        improved_on = best.loss
    if callbacks is not None:
        callbacks.train_begin()
    try:
        for epoch in range(1, epochs + 1):
            if callbacks is not None:
                callbacks.epoch_begin(epoch)
            mode = mode_at(epoch)
            loss = trainer.train_epoch(source, train_rows, batch_size, shuffle=shuffle, rng=rng, mode=mode)
            if not math.isfinite(loss):
                raise TrainingDiverged(
                    f"Training diverged at epoch {epoch}: the loss became {loss}. "
                    "Lower learning_rate, or scale the input (e.g. StandardScaler)."
                )
            result.loss_curve.append(loss)
            validation_loss = None
            if validation_rows is not None:
                validation_loss = trainer.evaluate(source, validation_rows, mode)
                result.validation_loss_curve.append(validation_loss)
                if validation_loss < best.loss or (limited and validation_loss < best_within_limit.loss):
                    offer(validation_loss, epoch)
                if validation_loss < _improvement_bound(improved_on, tol):
                    epochs_without_improvement = 0
                else:
                    epochs_without_improvement += 1
                improved_on = min(improved_on, validation_loss)
            if progress is not None:
                progress.update(epoch, loss, validation_loss)
            stop_asked = callbacks is not None and callbacks.epoch_end(epoch, loss, validation_loss)
            if stop_asked or (validation_rows is not None and epochs_without_improvement >= n_iter_no_change):
                result.stopped_early = True
                break
    finally:
        if callbacks is not None:
            callbacks.train_end()
    kept = best
    if limited:
        if best_within_limit.weights is not None:
            kept = best_within_limit
        else:
            result.below_floor = True
    _restore(models, kept)
    if floored:
        errors = trainer.squared_errors(source, validation_rows, mode)
        if not limited and kept.epoch != 0 and not floor.holds(errors):
            kept = start
            _restore(models, kept)
            errors = trainer.squared_errors(source, validation_rows, mode)
        result.kept_start = kept.epoch == 0
        result.ratio_to_pca = floor.ratio(errors)
    if kept.weights is not None:
        result.best_validation_loss = kept.loss
        result.kept_epoch = kept.epoch
    return result


def _restore(models, state):
    """Give ``models`` the weights ``state`` kept, if it kept any."""
    if state.weights is not None:
        for model, weights in zip(models, state.weights):
            model.set_weights(weights)
