"""The training data a fit is given, checked, and the fit's configuration made from them."""

import sys
from dataclasses import dataclass

import numpy as np
from sklearn.utils.validation import column_or_1d

from ._data_checks import (
    check_float32_range,
    check_missing_values,
    check_probability_range,
    validated_rows,
    warn_at_caller,
    warn_if_outside_output_range,
    warn_if_overcomplete,
    warn_if_unscaled,
)
from ._data_sources import SparseRows
from ._engine.keras_objects import is_binary_crossentropy
from ._fit_config import FitConfig, training_rows
from ._missing_values import observed_column_means
from ._neighbor_graph import EXACT_MAX_ROWS
from ._pca_anchor import IncrementalStatistics, anchor_rank, fits_incrementally
from .exceptions import NeighborhoodWarning


@dataclass
class TrainingData:
    """The validated data of one fit, and what the fit makes of them.

    Built once, at the door: every later stage of the fit takes this, never
    ``X``, so what the data is (in memory, sparse, streamed) is decided once.

    Attributes
    ----------
    rows : InMemoryRows, SparseRows or StreamedRows
        The validated rows (see :mod:`skautoencoder._data_sources`).
    config : FitConfig
        Made from the parameters with each ``"auto"`` resolved for ``X``.
    fill_values : ndarray of shape (n_features,) or None
        What the encoder sees in place of each column's missing entries;
        None for a model that takes no missing values.
    labels : ndarray of shape (n_samples,) or None
        Each row's class index in ``classes``, -1 where unknown; None
        without the classification term.
    classes : ndarray or None
        The known labels, sorted.
    anchor_statistics : IncrementalStatistics or None
        For a new PCA-anchored fit of streamed rows of several blocks, the
        PCA start's statistics of every row, fed in the pass that checked
        them; else None.
    """

    rows: object
    config: FitConfig
    fill_values: np.ndarray = None
    labels: np.ndarray = None
    classes: np.ndarray = None
    anchor_statistics: object = None


def validated_training_data(estimator, X, y=None, *, reset, classes=None):
    """The validated data and the fit's configuration; warns about the data's scale.

    Parameters
    ----------
    estimator : AutoencoderTransformer
        Its parameters, and its fitted input checks (``n_features_in_``,
        ``feature_names_in_``), which ``reset`` sets anew; when continuing,
        its ``fill_values_`` and ``label_classes_``.
    X : array-like, sparse matrix or streamed array
        Dense rows in memory may hold NaN for missing values.
    y : array-like of shape (n_samples,), default=None
        Labels, -1 (or None, or NaN) for unknown ones; used only with ``label_weight > 0``.
    reset : bool
        Whether this fit starts afresh (as opposed to continuing).
    classes : array-like, default=None
        ``partial_fit``'s classes: every label ``y`` may hold over all calls.

    Returns
    -------
    TrainingData

    Raises
    ------
    ValueError
        For data the fit cannot use, naming the problem.
    """
    params = estimator.get_params(deep=False)
    if not reset and params["neighbor_weight"] == "auto" and getattr(estimator, "neighbor_weight_", None) is not None:
        # Going on from a fit that resolved "auto": its networks are those of its choice.
        params = {**params, "neighbor_weight": estimator.neighbor_weight_}
    rows = validated_rows(estimator, X, reset=reset)
    fill_values = _fill_values(estimator, rows, reset)
    labels, classes = _labels(estimator, params, rows, y, reset, classes)
    sparse = isinstance(rows, SparseRows)
    # Sparse rows are paired with their neighbours through the exact graph
    # alone, which keeps them sparse; beyond its size there is no map.
    config = FitConfig.from_params(
        params,
        rows.n_features,
        n_samples=rows.n_samples,
        missing_values=fill_values is not None,
        n_classes=0 if classes is None else len(classes),
        map_possible=not (sparse and training_rows(rows.n_samples, params) > EXACT_MAX_ROWS),
    )
    _check_user_models(params, rows.n_features)
    if sparse:
        _check_sparse_rows(config)
    # Streamed rows are checked here block by block, in one pass, which also
    # feeds the PCA start that a new fit of several blocks computes from them.
    anchor_statistics = None
    if reset and config.spec.pca_anchored and fits_incrementally(rows, rows.n_samples, config.n_components):
        anchor_statistics = IncrementalStatistics(anchor_rank(rows.n_features, rows.n_samples, config.n_components))
        column_low, column_high = rows.column_ranges(also=anchor_statistics.add)
    else:
        column_low, column_high = rows.column_ranges()
    low, high = float(column_low.min()), float(column_high.max())
    if is_binary_crossentropy(params["loss"]):
        check_probability_range(low, high)
    check_float32_range(low, high)
    warn_if_unscaled(column_high - column_low)
    if reset:
        warn_if_overcomplete(params, rows.n_features)
    if params["decoder"] is None:
        warn_if_outside_output_range(params["output_activation"], low, high)
    if params["early_stopping"] and rows.n_samples < 2:
        raise ValueError(
            f"early_stopping=True needs at least 2 samples to hold out validation rows; got n_samples={rows.n_samples}."
        )
    return TrainingData(rows, config, fill_values, labels, classes, anchor_statistics)


def _check_user_models(params, n_features):
    """Refuse a user's encoder or decoder model of the wrong widths here, before any pass over the data.

    A model given as such (not a builder function, which only building can
    check) already imported Keras, so checking it imports nothing.
    """
    keras = sys.modules.get("keras")
    if keras is None:
        return
    from ._engine.networks import check_model_widths

    n_components = params["n_components"]
    for role, n_in, n_out in (("encoder", n_features, n_components), ("decoder", n_components, n_features)):
        if isinstance(params[role], keras.Model):
            check_model_widths(params[role], n_in, n_out, role)


def _fill_values(estimator, rows, reset):
    """The fill values of missing entries: new ones if ``rows`` are the first with NaN, the fitted ones, or None."""
    check_missing_values(estimator, rows, new_fit=reset)
    fitted = None if reset else getattr(estimator, "fill_values_", None)
    if fitted is not None or not rows.holds_nan:
        return fitted
    return observed_column_means(rows.X, getattr(estimator, "feature_names_in_", None))


def _labels(estimator, params, rows, y, reset, given_classes=None):
    """Labels as class indices (-1 unknown) and the classes, for ``label_weight > 0``; else (None, None)."""
    if not params.get("label_weight"):
        return None, None
    if given_classes is not None:
        given_classes = _sorted_classes(column_or_1d(np.asarray(given_classes)))
        if len(given_classes) < 2:
            raise ValueError(f"classes={given_classes.tolist()} names fewer than 2 classes; label_weight > 0 needs 2.")
        fitted = None if reset else getattr(estimator, "label_classes_", None)
        if fitted is not None and (len(fitted) != len(given_classes) or np.any(given_classes != fitted)):
            raise ValueError(
                f"classes={given_classes.tolist()} differs from the classes the first call was given "
                f"({', '.join(map(str, fitted))}); pass the same classes to every call, or none."
            )
    if y is None:
        raise ValueError(
            f"label_weight={params['label_weight']} trains a classifier of the code on labels; pass y to fit "
            "(-1 for rows whose label is unknown), or label_weight=0."
        )
    y = column_or_1d(y, warn=True)
    if len(y) != rows.n_samples:
        raise ValueError(f"y holds {len(y)} labels, but X has {rows.n_samples} rows; give one label per row.")
    known = _known_labels(y)
    fitted_classes = None if reset else getattr(estimator, "label_classes_", None)
    if given_classes is not None:
        fitted_classes = given_classes
    present = _sorted_classes(y[known])
    classes = present if fitted_classes is None else fitted_classes
    if fitted_classes is not None:
        unseen = np.setdiff1d(present, fitted_classes)
        if len(unseen):
            raise ValueError(
                f"y holds labels the model was not fitted with: {', '.join(map(str, unseen[:5]))}; its classes are "
                f"{', '.join(map(str, fitted_classes))} (give every class on the first call to partial_fit with "
                "classes=)."
            )
    elif len(classes) < 2:
        raise ValueError(
            f"label_weight > 0 needs known labels of at least 2 classes; y has {len(classes)} "
            f"class{'es' if len(classes) != 1 else ''} ({int(known.sum())} rows labelled, the rest unknown)."
        )
    labels = np.full(len(y), -1, dtype=np.int64)
    labels[known] = np.searchsorted(classes, present_labels(y[known]))
    return labels, classes


def _is_unknown(label):
    """Whether one label of an object array marks an unknown one: None, NaN, or the number -1."""
    if label is None:
        return True
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, float, np.number)):
        return False
    return bool(np.isnan(label) or label == -1)


def _known_labels(y):
    """A mask of the rows whose label is known: -1, NaN and None mark unknown ones, as pandas writes a missing one.

    In text labels, the text "-1" (what a CSV read back gives) is a class
    like any other, and is warned about.
    """
    if y.dtype.kind in "iu":
        return y != -1
    if y.dtype.kind == "f":
        return ~((y == -1) | np.isnan(y))
    if y.dtype.kind == "O":
        known = np.fromiter((not _is_unknown(label) for label in y), dtype=bool, count=len(y))
    else:
        known = np.ones(len(y), dtype=bool)
    looks_unknown = np.fromiter((isinstance(label, str) and label.strip() == "-1" for label in y), bool, len(y))
    if looks_unknown.any():
        warn_at_caller(
            f"y holds the text '-1' in {int(looks_unknown.sum())} rows, which is trained as a class of its own; "
            "to mark unknown labels, give the number -1 or None there instead, in an object array.",
            UserWarning,
        )
    return known


def _sorted_classes(labels):
    """The distinct known labels, sorted; one clear error when numbers and text are mixed."""
    try:
        return np.unique(present_labels(labels))
    except TypeError:
        kinds = sorted({type(label).__name__ for label in labels})
        raise ValueError(
            f"y mixes labels of types {', '.join(kinds)}, which cannot be sorted into classes; give every known "
            "label the same type (e.g. all text), and -1 or None where the label is unknown."
        ) from None


def present_labels(labels):
    """Known labels as an array ``np.unique`` and ``np.searchsorted`` can sort (an object array's own values)."""
    labels = np.asarray(labels)
    if labels.dtype.kind == "O" and all(isinstance(label, str) for label in labels):
        return labels.astype(str)
    return labels


def _check_sparse_rows(config):
    """Refuse for sparse rows what needs every row dense; warn where "auto" left the map off.

    Pretraining holds the training rows in memory, dense. Above
    :data:`EXACT_MAX_ROWS` training rows (the rows less those early
    stopping holds out, as for dense rows), the neighbourhood term's
    approximate graph would hold a dense copy of them.
    """
    if config.pretrain_epochs:
        raise ValueError(
            "pretrain_epochs > 0 holds every training row in memory, dense; for sparse X pass "
            "pretrain_epochs=0 or X.toarray()."
        )
    n_training_rows = config.n_training_rows
    advice = "reduce X first (e.g. TruncatedSVD(100)) and map the reduced rows"
    if config.neighbor_weight > 0 and n_training_rows > EXACT_MAX_ROWS:
        raise ValueError(
            f"neighbor_weight > 0 on sparse X needs at most {EXACT_MAX_ROWS:,} training rows, whose exact "
            f"neighbour graph stays sparse; got {n_training_rows:,}. Pass neighbor_weight=0, or {advice}."
        )
    if config.map_left_off:
        warn_at_caller(
            f'neighbor_weight="auto" leaves the neighbourhood term off for sparse X of more than '
            f"{EXACT_MAX_ROWS:,} training rows (its graph would hold a dense copy of them): the codes are fitted "
            f"for reconstruction alone. For a map, {advice}.",
            NeighborhoodWarning,
        )
