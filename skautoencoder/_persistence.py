"""The native ``save``/``load`` format.

Keras models are stored as the bytes of Keras's own ``.keras`` archive (see
:mod:`skautoencoder._engine.serialization`, which pickling uses too). A saved estimator is
a zip archive of a JSON document (parameters and fitted attributes) and one
``.keras`` archive per model; :func:`load` reads it with Keras's safe mode and
never unpickles anything, so it cannot run code stored in the file.
"""

import io
import json
import os
import zipfile

import numpy as np

from ._atomic_files import replaced_atomically
from ._engine.keras_objects import from_config, to_config

# KerasModelBytes is named here too: pickles written by earlier versions refer to it by this module.
from ._engine.serialization import (  # noqa: F401
    KerasModelBytes,
    holds_model_bytes,
    is_keras_model,
    model_from_bytes,
    model_to_bytes,
)

FORMAT_NAME = "skautoencoder"
FORMAT_VERSION = 1
_METADATA = "metadata.json"
# Every fitted attribute an AutoencoderTransformer has; a file naming any
# other is refused rather than setting arbitrary attributes on load.
FITTED_ATTRIBUTES = frozenset(
    {
        "encoder_",
        "decoder_",
        "loss_curve_",
        "validation_loss_curve_",
        "best_validation_loss_",
        "best_epoch_",
        "n_iter_",
        "neighbor_graph_",
        "pca_floor_",
        "neighbor_weight_",
        "map_choice_",
        "fill_values_",
        "label_classes_",
        "n_features_in_",
        "feature_names_in_",
    }
)


# Parameters that may hold a Keras object or function, stored as its name or configuration.
_KERAS_PARAMETERS = frozenset({"activation", "code_activation", "output_activation", "loss", "optimizer"})


def _to_json(value):
    if isinstance(value, tuple):
        return {"__tuple__": [_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):  # a Keras configuration, or a fitted attribute's summary
        return {key: _to_json(v) for key, v in value.items()}
    raise TypeError(f"Cannot save a value of type {type(value).__name__}: {value!r}")


def _from_json(value):
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
    if isinstance(value, dict):
        return {key: _from_json(v) for key, v in value.items()}
    return value


def save_estimator(estimator, path, library_version, extra=None):
    """Write a fitted estimator to ``path`` atomically.

    ``extra`` is JSON-ready data stored beside the model (the command line
    keeps its input scaling there); :func:`load_with_extra` returns it.
    """
    params = estimator.get_params(deep=False)
    # A RandomState, a user's model or builder function, a distribution
    # strategy object or Keras callbacks cannot be written as data; the
    # fitted models themselves are saved below.
    for name, value in params.items():
        if name in ("random_state", "distribution_strategy") and not isinstance(value, (int, str, type(None))):
            params[name] = None
        elif name in ("encoder", "decoder", "callbacks"):
            params[name] = None
        elif name in _KERAS_PARAMETERS and not isinstance(value, str):
            params[name] = to_config(name, value)
    models, attributes = {}, {}
    for name, value in vars(estimator).items():
        if name not in FITTED_ATTRIBUTES:
            continue
        if is_keras_model(value):
            models[name] = model_to_bytes(value)
        else:
            attributes[name] = _to_json(value)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "library_version": library_version,
        "class": type(estimator).__name__,
        "params": {k: _to_json(v) for k, v in params.items()},
        "attributes": attributes,
        "models": sorted(models),
        "extra": extra or {},
    }
    with replaced_atomically(os.fspath(path)) as file, zipfile.ZipFile(file, "w") as archive:
        archive.writestr(_METADATA, json.dumps(metadata))
        for name, data in models.items():
            archive.writestr(f"{name}.keras", data)


def read_saved(path):
    """Read a file written by :func:`save_estimator`.

    Returns
    -------
    metadata : dict
    models : dict of str to keras.Model

    Raises
    ------
    ValueError
        When the file is not a complete skautoencoder file of a version this
        library reads.
    """
    path = os.fspath(path)
    try:
        with zipfile.ZipFile(path) as archive:
            check_declared_sizes(repr(path), archive, {_METADATA: _MAX_METADATA_BYTES})
            metadata = json.loads(archive.read(_METADATA))
            _check_metadata(path, metadata)
            model_bytes = {name: archive.read(f"{name}.keras") for name in metadata["models"]}
        for name, data in model_bytes.items():
            with zipfile.ZipFile(io.BytesIO(data)) as keras_archive:
                check_declared_sizes(f"{path!r} (model {name!r})", keras_archive, {})
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path!r} is not a skautoencoder model file, or it is damaged: {error}") from None
    models = {}
    for name, data in model_bytes.items():
        try:
            models[name] = model_from_bytes(data)
        except Exception as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            if "lambda" in str(error).lower():
                reason = "it holds a Lambda layer, i.e. Python code, which safe loading never runs"
            raise ValueError(f"Could not load the Keras model {name!r} stored in {path!r}: {reason}.") from None
    metadata["params"] = {k: _from_json(v) for k, v in metadata["params"].items()}
    for name in _KERAS_PARAMETERS & set(metadata["params"]):
        if isinstance(metadata["params"][name], dict):
            metadata["params"][name] = from_config(name, metadata["params"][name])
    metadata["attributes"] = {k: _from_json(v) for k, v in metadata["attributes"].items()}
    return metadata, models


# What a model file may declare, checked before anything is read: the JSON
# of parameters and attributes takes kilobytes, all members together at most
# 1 GiB (250 million float32 weights), and no member but the weights
# (zeros compress well: a PCA start's corrections are zero) may inflate more
# than a JSON configuration does.
_MAX_METADATA_BYTES = 16 * 2**20
_MAX_MEMBER_BYTES = 2**30
_MAX_INFLATION = 100
_INFLATION_CHECKED_ABOVE = 2**20


def check_declared_sizes(where, archive, limits):
    """Refuse an archive whose members declare sizes a model file never has (a zip bomb).

    ``limits`` maps member names to their own size limits; every member is
    held to :data:`_MAX_MEMBER_BYTES` in all and, weights aside, to
    inflating at most :data:`_MAX_INFLATION` times. A member cannot yield more than its
    declared size, so nothing larger is ever read.
    """
    total = 0
    for member in archive.infolist():
        limit = limits.get(member.filename, _MAX_MEMBER_BYTES)
        inflation = member.file_size / max(member.compress_size, 1)
        total += member.file_size
        weights = member.filename.endswith((".h5", ".npz"))
        if (
            member.file_size > limit
            or total > _MAX_MEMBER_BYTES
            or (not weights and member.file_size > _INFLATION_CHECKED_ABOVE and inflation > _MAX_INFLATION)
        ):
            raise ValueError(
                f"{where} is refused: its member {member.filename!r} declares {member.file_size:,} bytes "
                f"({inflation:,.0f} times its compressed size), more than a model file holds."
            )


def _check_metadata(path, metadata):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ValueError(f"{path!r} is not a skautoencoder model file.")
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path!r} was saved in skautoencoder file format {version} by skautoencoder "
            f"{metadata.get('library_version')}; this version reads format {FORMAT_VERSION} only."
        )
