"""Loading saved estimators: :func:`load`."""

import os

from ._estimator import AutoencoderTransformer
from ._file_checks import check_fields
from ._input_scaling import input_scaler
from ._persistence import FITTED_ATTRIBUTES, read_saved
from .exceptions import ModelFileError


def load(path):
    """Load an estimator written by ``AutoencoderTransformer.save``.

    The Keras models are read in safe mode and nothing is unpickled, so a
    file cannot run code while it loads: prefer this to ``pickle`` for files
    from elsewhere.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    estimator : AutoencoderTransformer or Pipeline
        Fitted, with the parameters and attributes it was saved with. A file
        written by ``skautoencoder embed --save-model`` holds the command's
        input scaling too: it loads as a ``Pipeline`` of that
        ``MinMaxScaler`` and the autoencoder, whose ``transform`` of the raw
        rows gives the command's codes, with ``feature_names_in_`` set when
        the command's file had a header.

    Raises
    ------
    ModelFileError
        A ``ValueError``, raised when ``path`` is not a regular file, or the
        file is not a readable skautoencoder file of this format version,
        declares content a saved estimator never has (sizes, types, members,
        non-finite weights), names a parameter or attribute the estimator
        does not have, or one of its models cannot be loaded safely. Nothing
        the file declares is allocated before it is checked.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.datasets import load_iris
    >>> from skautoencoder import AutoencoderTransformer, load
    >>> X = load_iris().data
    >>> model = AutoencoderTransformer(n_components=1, epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "iris.skae")
    >>> model.save(path)
    >>> bool((load(path).transform(X) == model.transform(X)).all())
    True
    """
    estimator, extra = load_with_extra(path)
    where = repr(os.fspath(path))
    check_fields(f"{where} (its extra data)", extra, {"input_scaling": (dict, False), "features": (list, False)})
    scaling = extra.get("input_scaling")
    if scaling is None:
        return estimator
    from sklearn.pipeline import Pipeline

    where = f"{where} (its input scaling)"
    check_fields(where, scaling, {"low": (list, True), "high": (list, True), "n_samples_seen": (int, False)})
    try:
        scaler = input_scaler(scaling, extra.get("features"))
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{where} cannot be used: {error}") from error
    if scaler.n_features_in_ != estimator.n_features_in_:
        raise ModelFileError(
            f"{where} cannot be used: it has {scaler.n_features_in_} columns, the model {estimator.n_features_in_}."
        )
    return Pipeline([("scale", scaler), ("autoencoder", estimator)])


# What set_output may have chosen for transform, as a saved file can say it.
_OUTPUTS = ("default", "pandas", "polars")


def _restore_output(where, estimator, output):
    """Call ``set_output`` as it was called on the saved estimator."""
    for method, value in output.items():
        if method != "transform" or value not in _OUTPUTS:
            raise ModelFileError(
                f"{where} is refused: its output setting {method!r}: {value!r} is not one set_output makes "
                f"(transform: {', '.join(_OUTPUTS)})."
            )
        estimator.set_output(transform=value)


def load_with_extra(path):
    """Like :func:`load` without the scaling, also returning the ``extra`` data saved with it."""
    metadata, models = read_saved(path)
    where = repr(os.fspath(path))
    if metadata.get("class") != AutoencoderTransformer.__name__:
        raise ModelFileError(f"{where} holds a {metadata.get('class')!r}, not an AutoencoderTransformer.")
    known = AutoencoderTransformer().get_params(deep=False)
    unknown = sorted(set(metadata["params"]) - set(known))
    if unknown:
        raise ModelFileError(f"{where} sets parameters AutoencoderTransformer does not have: {', '.join(unknown)}.")
    for name in [*metadata["attributes"], *models]:
        if name not in FITTED_ATTRIBUTES:
            raise ModelFileError(f"{where} holds an attribute named {name!r}, which no fitted estimator has.")
    estimator = AutoencoderTransformer(**metadata["params"])
    # Files saved before these attributes existed hold models without them.
    estimator.neighbor_graph_ = estimator.fill_values_ = estimator.label_classes_ = estimator.pca_floor_ = None
    # (None: going on resolves neighbor_weight="auto" as such files were fitted, without a map choice.)
    estimator.neighbor_weight_ = estimator.map_choice_ = estimator.best_epoch_ = None
    for name, value in metadata["attributes"].items():
        setattr(estimator, name, value)
    for name, model in models.items():
        setattr(estimator, name, model)
    estimator.callbacks_ = None  # callbacks are not saved
    _restore_output(where, estimator, metadata.get("output", {}))
    return estimator, metadata.get("extra", {})
