"""The fit path, top to bottom: from a configuration and data to fitted networks.

:func:`fit_autoencoder` builds (or continues) the networks, starts them at
PCA when the configuration says so, pretrains, picks a trainer, trains,
and returns everything the estimator keeps in one :class:`FitResult`.
It never touches the estimator, which sets its fitted attributes from the
result in one place.
"""

import math
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._data_checks import warn_at_caller
from ._data_sources import InMemoryRows, LabeledRows, index_dtype, mean_column_variance, rows_per_block
from ._defaults import MAP_CHOICE_MAX_ROWS, MAP_CHOICE_MIN_VALIDATION_ROWS
from ._engine.callbacks import EpochCallbacks, autoencoder_model, copy_callbacks
from ._engine.inference import forward_for
from ._engine.keras_objects import make_optimizer
from ._engine.loss_terms import Neighborhood
from ._engine.networks import set_pca_anchor
from ._engine.pca_floor import PcaFloor
from ._engine.pretraining import pretrain_layerwise
from ._engine.progress import TrainingProgress, ending_line
from ._engine.trainer_setup import build_networks_for, state_after, trainer_for_continuing, trainer_for_new_networks
from ._engine.training_loop import train
from ._fit_config import n_validation_rows
from ._map_choice import map_gain
from ._missing_values import filled, pca_completed
from ._neighbor_graph import neighbor_graph, with_labels
from ._paired_rows import PairedRows
from ._pca_anchor import fit_pca_anchor, pca_squared_errors
from .exceptions import NeighborhoodWarning

# A kept epoch's validation reconstruction error may exceed PCA's by at most
# this factor when the loss also holds the neighbourhood term.
PCA_MARGIN = 1.02
MARGIN_WORDS = f"{PCA_MARGIN - 1:.0%}"


@dataclass
class FitResult:
    """What a fit leaves: the networks, their history and how to go on training.

    Attributes
    ----------
    encoder, decoder : keras.Model
    loss_curve : list of float
        Every epoch's training loss, the earlier fits' included.
    validation_loss_curve : list of float or None
        Every epoch's validation loss likewise, NaN where an epoch was
        not validated; None where none was.
    best_validation_loss : float or None
    training_state : TrainingState
    callbacks : list of keras.callbacks.Callback or None
        The copies of the user's callbacks this fit called, or None.
    neighbor_graph : dict or None
        How the neighbourhood term's graph was found
        (:meth:`NeighborGraph.summary`), or None without the term.
    pca_floor : dict or None
        How the kept state compares with PCA on the validation rows (the
        estimator's ``pca_floor_``), or None where no floor was checked.
    neighbor_weight : float or None
        The neighbourhood term's weight the kept networks trained with.
    map_choice : dict or None
        How the map compared with reconstruction alone (the estimator's
        ``map_choice_``), or None where they were not compared.
    best_epoch : int or None
        With validation rows, the kept state's epoch counted like
        ``loss_curve`` (the earlier fits' epochs first; the state the fit
        started from is the earlier fits' last epoch, or 0).
    """

    encoder: object
    decoder: object
    loss_curve: list
    validation_loss_curve: list
    best_validation_loss: float
    training_state: object
    callbacks: list = None
    neighbor_graph: dict = None
    pca_floor: dict = None
    neighbor_weight: float = None
    map_choice: dict = None
    best_epoch: int = None


@dataclass
class _OneFit:
    """One training run of :func:`fit_autoencoder`, with what comparing it with another needs."""

    result: FitResult
    training_rows: np.ndarray
    validation_rows: np.ndarray
    complete: object
    warnings: list


def fit_autoencoder(data, *, rng, epochs, previous=None, incremental=False):
    """Train an autoencoder on ``data.rows`` as ``data.config`` says.

    Where ``neighbor_weight="auto"`` made the fit a map
    (``config.reconstruction_alternative``) and a new fit with early
    stopping has at most :data:`~skautoencoder._defaults.MAP_CHOICE_MAX_ROWS`
    training rows, reconstruction alone is trained too, on the same split,
    and the map is kept only where the validation rows show that it keeps
    neighbours better (see :mod:`skautoencoder._map_choice`). Warnings are
    those of the fit kept.

    Parameters
    ----------
    data : TrainingData
        The rows, decided once at the door (see
        :func:`~skautoencoder._training_data.validated_training_data`), the
        configuration, and with ``config.missing_values`` the fill values:
        what the encoder sees in place of each column's NaN (the PCA anchor
        and the neighbour graph see the rows completed by a PCA of the
        observed entries instead); with ``config.n_classes``, each row's
        class index, -1 if unknown.
    rng : numpy.random.RandomState
        Every random choice of the fit (seeds, the validation split, the
        order of rows) is drawn from it.
    epochs : int
    previous : FitResult, default=None
        The fitted state to continue from; None builds new networks.
    incremental : bool, default=False
        One ``partial_fit`` step: no validation split, and the optimizer
        carries over from ``previous``.

    Returns
    -------
    result : FitResult
    """
    config = data.config
    alternative_config = config.reconstruction_alternative
    if alternative_config is None or previous is not None or incremental or not config.early_stopping:
        fitted = _fit_once(config, data, rng=rng, epochs=epochs, previous=previous, incremental=incremental)
    elif n_validation_rows(data.rows.n_samples, config.validation_fraction) < MAP_CHOICE_MIN_VALIDATION_ROWS:
        # Too few held-out rows to show that a map keeps neighbours better.
        fitted = _fit_once(alternative_config, data, rng=rng, epochs=epochs)
        fitted.result.map_choice = _choice_summary("reconstruction", alternative_config, fitted.validation_rows)
    else:
        fitted = _fit_once(config, data, rng=rng, epochs=epochs)
        if len(fitted.training_rows) <= MAP_CHOICE_MAX_ROWS:
            split = (fitted.training_rows, fitted.validation_rows)
            alternative = _fit_once(alternative_config, data, rng=rng, epochs=epochs, split=split)
            gain = _map_gain(data, fitted, alternative)
            kept, kept_config = ("map", config) if gain["lower_bound"] > 0 else ("reconstruction", alternative_config)
            fitted = fitted if kept == "map" else alternative
            fitted.result.map_choice = _choice_summary(kept, kept_config, fitted.validation_rows, gain)
    if config.verbose and fitted.result.map_choice is not None:
        print(_choice_line(fitted.result.map_choice), flush=True)
    for message, category in fitted.warnings:
        warn_at_caller(message, category)
    return fitted.result


def _map_gain(data, fitted_map, alternative):
    """How much better the map keeps the validation rows' neighbours (:func:`~skautoencoder._map_choice.map_gain`)."""
    training_rows, validation_rows = fitted_map.training_rows, fitted_map.validation_rows
    encoder_inputs = [_dense_rows(data.rows, rows) for rows in (training_rows, validation_rows)]
    if data.fill_values is not None:
        encoder_inputs = [filled(rows, data.fill_values) for rows in encoder_inputs]

    def codes(fit):
        encode = forward_for(fit.result.encoder)
        return tuple(encode(rows) for rows in encoder_inputs)

    return map_gain(
        _dense_rows(fitted_map.complete, training_rows),
        _dense_rows(fitted_map.complete, validation_rows),
        codes(fitted_map),
        codes(alternative),
    )


def _choice_summary(kept, config, validation_rows, gain=None):
    """The estimator's ``map_choice_``: what was kept, and what the validation rows showed (None: too few)."""
    return {
        "kept": kept,
        "neighbor_weight": config.neighbor_weight,
        "hidden_layer_sizes": config.spec.hidden_layer_sizes,
        "activation": config.activation,
        "batch_size": config.batch_size,
        "neighbor_recall": None if gain is None else gain["neighbor_recall"],
        "lower_bound": None if gain is None else gain["lower_bound"],
        "validation_rows": len(validation_rows),
    }


def _choice_line(choice):
    """The verbose line that says whether the map was kept."""
    recall = choice["neighbor_recall"]
    if recall is None:
        return (
            f"Kept reconstruction alone (neighbor_weight=0, hidden_layer_sizes={choice['hidden_layer_sizes']}, "
            f"activation={choice['activation']!r}): {choice['validation_rows']} validation rows are too few to show "
            f"that a map keeps neighbours better ({MAP_CHOICE_MIN_VALIDATION_ROWS} needed)."
        )
    measured = (
        f"on {choice['validation_rows']} validation rows, the map kept {recall['map']:.1%} of their nearest "
        f"training rows nearest, reconstruction alone {recall['reconstruction']:.1%} (the map's gain at least "
        f"{choice['lower_bound']:+.1%} with 95% confidence)"
    )
    if choice["kept"] == "map":
        return f"Kept the map: {measured}."
    return (
        f"Kept reconstruction alone (neighbor_weight=0, hidden_layer_sizes={choice['hidden_layer_sizes']}, "
        f"activation={choice['activation']!r}): {measured}."
    )


def _dense_rows(source, rows):
    """``rows`` (sorted) of a row source, as one float32 array."""
    return np.concatenate(list(source.chunks(rows, rows_per_block(source.n_features))))


@dataclass
class _Run:
    """What the stages of one training run share: its configuration, data, rows, seeds and networks."""

    config: object
    data: object
    complete: object
    all_rows: np.ndarray
    rows: np.ndarray
    validation_rows: np.ndarray
    network_seed: int
    anchor: object = None
    encoder: object = None
    decoder: object = None
    trainer: object = None


def _fit_once(config, data, *, rng, epochs, previous=None, incremental=False, split=None):
    """One training run of :func:`fit_autoencoder` as ``config`` says; ``split`` gives its training, validation rows."""
    network_seed, noise_seed = (int(v) for v in rng.randint(np.iinfo(np.int32).max // 2, size=2))
    run = _Run(
        config,
        data,
        _complete_rows(config, data, previous, network_seed),
        *_rows(config, data, split, incremental, rng),
        network_seed,
    )
    _networks_and_trainer(run, previous, incremental, noise_seed, rng)
    with ExitStack() as scratch:
        source, floor, graph = _training_source(run, scratch)
        callbacks = _callbacks_for(config, previous, run.trainer, incremental, epochs, len(run.rows))
        result = _train(run, source, floor, callbacks, epochs, rng)
        notices = _notices(run, source, floor, result, epochs, incremental)
    validating = run.validation_rows is not None
    result = FitResult(
        encoder=run.encoder,
        decoder=run.decoder,
        loss_curve=(previous.loss_curve if previous is not None else []) + result.loss_curve,
        validation_loss_curve=_validation_losses(previous, result, validating),
        best_validation_loss=result.best_validation_loss if validating else None,
        training_state=state_after(run.trainer, run.encoder, run.decoder),
        callbacks=callbacks.callbacks if callbacks is not None else None,
        neighbor_graph=graph.summary() if graph is not None else None,
        pca_floor=_floor_summary(floor, result, run.validation_rows),
        neighbor_weight=config.neighbor_weight,
        best_epoch=None if result.kept_epoch is None else len(_earlier_losses(previous)) + result.kept_epoch,
    )
    return _OneFit(result, run.rows, run.validation_rows, run.complete, notices)


def _complete_rows(config, data, previous, seed):
    """The rows as what needs complete rows (a new anchor, the neighbour graph) reads them.

    Only dense rows in memory may hold NaN (others are refused at the door):
    there, each is completed by a PCA of the observed entries.
    """
    needs_complete_rows = (previous is None and config.spec.pca_anchored) or config.neighbor_weight > 0
    if config.missing_values and needs_complete_rows and data.rows.holds_nan:
        return InMemoryRows(pca_completed(data.rows.X, data.fill_values, config.n_components, seed))
    return data.rows


def _rows(config, data, split, incremental, rng):
    """Every row, the training rows and the validation rows (None without early stopping) of a run."""
    n_samples = data.rows.n_samples
    all_rows = rows = np.arange(n_samples, dtype=index_dtype(n_samples))
    validation_rows = None
    if split is not None:
        rows, validation_rows = split
    elif config.early_stopping and not incremental:
        rows, validation_rows = split_rows(rows, config.validation_fraction, rng)
    return all_rows, rows, validation_rows


def _networks_and_trainer(run, previous, incremental, noise_seed, rng):
    """Set the run's networks (the earlier fit's, or new ones started at PCA and pretrained) and its trainer."""
    config = run.config
    if previous is not None:
        run.encoder, run.decoder = previous.encoder, previous.decoder
        run.trainer = trainer_for_continuing(
            config, previous.training_state, run.encoder, run.decoder, keep_optimizer=incremental, seed=noise_seed
        )
    else:
        run.encoder, run.decoder = build_networks_for(config, run.network_seed)
        if config.spec.pca_anchored:
            # The PCA of every row, validation rows included: the network
            # then starts at the PCA a user fits on the same rows, which
            # early stopping keeps when no epoch beats it.
            statistics = run.data.anchor_statistics if run.complete is run.data.rows else None
            run.anchor = fit_pca_anchor(run.complete, run.all_rows, config.n_components, run.network_seed, statistics)
            set_pca_anchor(run.encoder, run.decoder, run.anchor)
        if config.pretrain_epochs:
            # Pretraining holds the training rows, and their codes, in memory.
            pretrain_layerwise(
                run.encoder,
                run.decoder,
                _dense_rows(run.data.rows, run.rows),
                loss=config.loss,
                epochs=config.pretrain_epochs,
                batch_size=config.batch_size,
                shuffle=config.shuffle,
                rng=rng,
                make_optimizer=lambda: make_optimizer(config.optimizer, config.learning_rate),
            )
        run.trainer = trainer_for_new_networks(config, run.encoder, run.decoder, noise_seed, continued=incremental)
    if config.missing_values:
        run.trainer.objective.fill_values.assign(np.asarray(run.data.fill_values, dtype=np.float32))


def _training_source(run, scratch):
    """The rows as the loss terms read them, with each term's data; the PCA floor; the neighbour graph or None.

    The neighbourhood term's rows come paired with a neighbour each
    (:func:`_paired_rows`); the label term's with their label.
    """
    config, source, floor, graph = run.config, run.data.rows, None, None
    if config.neighbor_weight > 0:
        source, floor, graph = _paired_rows(run, scratch)
    elif run.anchor is not None and run.validation_rows is not None and config.reconstruction_alone:
        # The PCA start is the floor: the trained network is kept only if
        # the validation rows show, with confidence, that it is no worse.
        floor = PcaFloor(None)
    if config.n_classes:
        if not config.neighbor_weight > 0:
            run.trainer.objective.data_variance.assign(mean_column_variance(run.complete, run.rows))
        source = LabeledRows(source, run.data.labels)
    return source, floor, graph


def _paired_rows(run, scratch):
    """The rows paired with a neighbour each, the PCA floor the map must keep, and the neighbour graph.

    Data read block by block is first copied to a float32 file if it cannot
    be gathered from in place (``scratch`` removes it); the rest reads that
    copy. Sets the objective's data variance and the term's unit.
    """
    config, rows, validation_rows = run.config, run.rows, run.validation_rows
    rows_source = run.complete.gatherable(scratch)
    data_variance = mean_column_variance(rows_source, rows)
    run.trainer.objective.data_variance.assign(data_variance)
    graph = neighbor_graph(rows_source, rows, validation_rows, config.n_neighbors)
    if config.n_classes:
        graph = with_labels(graph, rows_source, rows, validation_rows, run.data.labels, config.n_neighbors)
    if config.verbose:
        print(_graph_line(graph, len(rows)), flush=True)
    # Rows with NaN keep them (the loss skips them); partners are complete.
    source = PairedRows(run.data.rows if config.missing_values else rows_source, graph.neighbors, rows_source)
    # The kept epoch must reconstruct the validation rows (without early
    # stopping, the training rows) within PCA_MARGIN of the PCA a user
    # compares with, fitted on every row; the term is weighed in units of
    # the error that PCA leaves.
    pca = run.anchor
    if pca is None:
        pca = fit_pca_anchor(rows_source, run.all_rows, config.n_components, run.network_seed)
    # Every row's error in one pass; the training rows' mean sets the term's unit.
    pca_errors = pca_squared_errors(pca, rows_source, run.all_rows)
    run.trainer.objective.term(Neighborhood).pca_squared_error.assign(float(np.mean(pca_errors[rows])))
    floor = PcaFloor(
        pca_errors[rows if validation_rows is None else validation_rows],
        margin=PCA_MARGIN,
        # float32 rounding, for data that PCA reconstructs exactly
        tolerance=1e-7 * data_variance,
        each_epoch=True,
    )
    return source, floor, graph


def _train(run, source, floor, callbacks, epochs, rng):
    """Train the run's networks on ``source``, showing progress as ``verbose`` asks."""
    config = run.config
    progress = TrainingProgress(config.verbose, epochs)
    result = train(
        run.trainer,
        source,
        run.rows,
        epochs=epochs,
        batch_size=config.batch_size,
        shuffle=config.shuffle,
        rng=rng,
        validation_rows=run.validation_rows,
        n_iter_no_change=config.n_iter_no_change,
        tol=config.tol,
        floor=floor,
        progress=progress,
        callbacks=callbacks,
    )
    progress.close(
        ending_line(
            len(result.loss_curve),
            epochs,
            stopped_early=result.stopped_early,
            patience=config.n_iter_no_change,
            kept_epoch=result.kept_epoch,
            kept_loss=_kept_validation_loss(result),
        )
    )
    return result


def _notices(run, source, floor, result, epochs, incremental):
    """The warnings of a run, as ``[(message, category)]``: the caller gives those of the fit it keeps."""
    config, validation_rows = run.config, run.validation_rows
    notices = []
    if validation_rows is not None and not result.stopped_early:
        notices.append(
            (
                f"Maximum epochs ({epochs}) reached and the validation loss has not converged yet. "
                "Raise epochs, or tol.",
                ConvergenceWarning,
            )
        )
    if config.neighbor_weight > 0 and not incremental:
        notices += _neighborhood_cost_warnings(
            config,
            run.trainer,
            source,
            run.rows if validation_rows is None else validation_rows,
            result,
            floor,
            anchored=config.spec.pca_anchored,
            validating=validation_rows is not None,
            epochs_ran_out=None if result.stopped_early or validation_rows is None else epochs,
        )
    elif config.verbose and result.kept_start and len(result.loss_curve):
        print(
            f"No trained epoch reconstructed the {len(validation_rows)} validation rows as well as PCA "
            "with 95% confidence, so the fit kept its PCA start.",
            flush=True,
        )
    return notices


def _earlier_losses(previous):
    """The training losses of the fits before this one."""
    return previous.loss_curve if previous is not None else []


def _validation_losses(previous, result, validating):
    """Every epoch's validation loss so far, like ``loss_curve``: NaN for epochs run without validation.

    None where no epoch of this fit or the earlier ones was validated.
    """
    earlier_losses = _earlier_losses(previous)
    earlier = list(previous.validation_loss_curve or []) if previous is not None else []
    if not validating and not earlier:
        return None
    earlier = [math.nan] * (len(earlier_losses) - len(earlier)) + earlier
    return earlier + (result.validation_loss_curve if validating else [math.nan] * len(result.loss_curve))


def _floor_summary(floor, result, validation_rows):
    """The estimator's ``pca_floor_``: how the kept state compares with PCA on the validation rows."""
    if floor is None or validation_rows is None or result.ratio_to_pca is None:
        return None
    return {
        "kept": "start" if result.kept_start else "trained",
        "ratio": result.ratio_to_pca,
        "margin": floor.margin,
        "held": not result.below_floor,
        "validation_rows": len(validation_rows),
    }


def _kept_validation_loss(result):
    """The kept epoch's validation loss, or None when it has none (the start, or an epoch not validated)."""
    epoch = result.kept_epoch
    if not epoch or epoch > len(result.validation_loss_curve):
        return None
    loss = result.validation_loss_curve[epoch - 1]
    return None if loss is None or np.isnan(loss) else float(loss)


def _graph_line(graph, n_rows):
    """The verbose line that says how the neighbour graph was found."""
    searched = {"hnsw": "an HNSW index in memory", "nearest clusters": "cluster by cluster on disk"}
    how = (
        "exact"
        if graph.method == "exact"
        else f"approximate ({searched[graph.search]}), recall {graph.recall:.3f} of the exact neighbours"
    )
    return (
        f"Neighbour graph of {n_rows} training rows, {graph.neighbors.shape[1]} neighbours each: "
        f"{how} ({graph.seconds:.1f} s)"
    )


def _neighborhood_cost_warnings(
    config, trainer, source, checked_rows, result, floor, *, anchored, validating, epochs_ran_out
):
    """The warning, as ``[(message, category)]``, when the neighbourhood term could not keep PCA's reconstruction.

    ``checked_rows`` are the validation rows, or without early stopping the
    training rows, on which ``floor`` holds PCA's errors. ``epochs_ran_out``
    is the epoch budget when the fit used it all (so more epochs may be the
    cure, rather than scaling), else None.
    """
    if epochs_ran_out is not None:
        advice = f"the fit ran all the epochs it was given (epochs={epochs_ran_out}): raise epochs"
    else:
        advice = "scale the columns (e.g. StandardScaler) or lower neighbor_weight"
    if validating:
        holds, ratio = not result.below_floor, result.ratio_to_pca
    else:
        errors = trainer.squared_errors(source, checked_rows)
        holds, ratio = floor.holds(errors), floor.ratio(errors)
    rows = "validation" if validating else "training"
    if not holds:
        message = (
            f"With the neighbourhood term (neighbor_weight={config.neighbor_weight}), the fit "
            f"reconstructs the {rows} rows with {ratio:.3g}x PCA's error: not within {MARGIN_WORDS} of PCA's "
            f"error with 95% confidence; {advice}."
        )
    elif anchored and result.kept_start and len(result.loss_curve):
        message = (
            f"With the neighbourhood term (neighbor_weight={config.neighbor_weight}), no trained "
            f"epoch improved the map while reconstructing the {rows} rows within {MARGIN_WORDS} of PCA's error "
            f"with 95% confidence, so the fit kept its PCA start; {advice}."
        )
    else:
        return []
    return [(message, NeighborhoodWarning)]


def _callbacks_for(config, previous, trainer, incremental, epochs, n_rows):
    """The fit's Keras callbacks: fresh copies, or ``partial_fit``'s earlier ones."""
    if not config.callbacks:
        return None
    if incremental and previous is not None and previous.callbacks is not None:
        copies = previous.callbacks
    else:
        copies = copy_callbacks(config.callbacks)
    return EpochCallbacks(
        copies,
        autoencoder_model(trainer.objective.encoder, trainer.objective.decoder, trainer.optimizer),
        epochs=epochs,
        steps_per_epoch=-(-n_rows // min(config.batch_size, n_rows)),
        first_epoch=len(previous.loss_curve) if incremental and previous is not None else 0,
    )


def split_rows(rows, validation_fraction, rng):
    """Split row indices at random into sorted training and validation rows."""
    n_validation = n_validation_rows(len(rows), validation_fraction)
    shuffled = rng.permutation(rows)
    return np.sort(shuffled[n_validation:]), np.sort(shuffled[:n_validation])
