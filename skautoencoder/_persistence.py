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
from ._file_checks import (
    KERAS_MEMBERS,
    KERAS_WEIGHTS,
    array_dtype,
    check_declared_sizes,
    check_fields,
    check_finite_weights,
    check_members,
    check_weights_stored,
    open_regular_file,
    read_json,
)
from .exceptions import ModelFileError

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


def _from_json(value, where):
    if isinstance(value, list):
        return [_from_json(v, where) for v in value]
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json(v, where) for v in value["__tuple__"])
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=array_dtype(where, value.get("dtype")))
    if isinstance(value, dict):
        return {key: _from_json(v, where) for key, v in value.items()}
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
        # set_output's choices, e.g. {"transform": "pandas"}, as pickling keeps them.
        "output": {
            method: value
            for method, value in getattr(estimator, "_sklearn_output_config", {}).items()
            if isinstance(value, str)
        },
    }
    with replaced_atomically(os.fspath(path)) as file, zipfile.ZipFile(file, "w") as archive:
        archive.writestr(_METADATA, json.dumps(metadata))
        for name, data in models.items():
            archive.writestr(f"{name}.keras", data)


def read_saved(path):
    """Read a file written by :func:`save_estimator`.

    Every member is checked against what ``save`` writes (see
    :mod:`skautoencoder._file_checks`) before it is read.

    Returns
    -------
    metadata : dict
    models : dict of str to keras.Model

    Raises
    ------
    ModelFileError
        When the file is not a complete skautoencoder file of a version this
        library reads, or declares what such a file never holds.
    """
    path = os.fspath(path)
    where = repr(path)
    with open_regular_file(path) as file:
        try:
            with zipfile.ZipFile(file) as archive:
                check_declared_sizes(where, archive, {_METADATA})
                check_members(where, archive, {_METADATA}, allowed=None)
                metadata = read_json(f"{where} (its {_METADATA})", archive.read(_METADATA))
                _check_metadata(where, metadata)
                check_members(where, archive, {_METADATA, *(f"{name}.keras" for name in metadata["models"])})
                model_bytes = {name: archive.read(f"{name}.keras") for name in metadata["models"]}
            for name, data in model_bytes.items():
                _check_keras_archive(f"{where} (its model {name!r})", data)
        except zipfile.BadZipFile as error:
            raise ModelFileError(f"{where} is not a skautoencoder model file, or it is damaged: {error}") from error
    models = {name: _load_model(path, name, data) for name, data in model_bytes.items()}
    for kind in ("params", "attributes"):
        metadata[kind] = {
            name: _field_from_json(f"{where} (its {kind[:-1]} {name!r})", name, value, kind == "params")
            for name, value in metadata[kind].items()
        }
    return metadata, models


def _field_from_json(where, name, value, is_parameter):
    try:
        value = _from_json(value, where)
        if is_parameter and name in _KERAS_PARAMETERS and isinstance(value, dict):
            value = from_config(name, value)
    except ModelFileError:
        raise
    except Exception as error:  # whatever the file's value made NumPy or Keras raise
        raise ModelFileError(f"{where} cannot be read: {_one_line(error)}") from error
    return value


def _check_keras_archive(where, data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_declared_sizes(where, archive, {"config.json", "metadata.json"})
        required = {name for name, needed in KERAS_MEMBERS.items() if needed}
        check_members(where, archive, required, allowed=set(KERAS_MEMBERS))
        read_json(f"{where} (its config.json)", archive.read("config.json"))  # its depth; Keras reads it
        check_weights_stored(where, archive.read(KERAS_WEIGHTS))


def _load_model(path, name, data):
    try:
        model = model_from_bytes(data)
    except Exception as error:
        reason = _one_line(error)
        if "lambda" in str(error).lower():
            reason = "it holds a Lambda layer, i.e. Python code, which safe loading never runs"
        raise ModelFileError(f"Could not load the Keras model {name!r} stored in {path!r}: {reason}") from error
    check_finite_weights(f"{path!r} (its model {name!r})", model)
    return model


def _one_line(error, limit=500):
    """An error's message on one line (Keras's start with a line that ends before their cause)."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


_METADATA_FIELDS = {
    "format": (str, True),
    "format_version": (int, True),
    "library_version": (str, False),
    "class": (str, True),
    "params": (dict, True),
    "attributes": (dict, True),
    "models": (list, True),
    "extra": (dict, False),
    "output": (dict, False),
}


def _check_metadata(where, metadata):
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{where} is not a skautoencoder model file.")
    version = metadata.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version != FORMAT_VERSION:
        raise ModelFileError(
            f"{where} was saved in skautoencoder file format {version} by skautoencoder "
            f"{metadata.get('library_version')}; this version reads format {FORMAT_VERSION} only."
        )
    check_fields(f"{where} (its {_METADATA})", metadata, _METADATA_FIELDS)
    models = metadata["models"]
    if not all(isinstance(name, str) for name in models) or len(set(models)) != len(models):
        raise ModelFileError(f"{where} is refused: its {_METADATA} lists models that are not distinct names.")
