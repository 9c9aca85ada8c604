"""What a model file may declare, checked before the content it describes is read.

:func:`~skautoencoder.load` reads files from elsewhere. Each check here looks
at what a file declares (the path's type, the zip directory, the JSON
documents, the HDF5 headers of the weights) and refuses, with a
:class:`~skautoencoder.exceptions.ModelFileError` naming the member or field,
whatever a file written by ``save`` never holds, so that no file costs more
memory or disk than the model it really holds.
"""

import io
import json
import os
import stat

import numpy as np

from .exceptions import ModelFileError

# The JSON documents take kilobytes; all members together at most 1 GiB (250
# million float32 weights); no member but the weights (zeros compress well: a
# PCA start's corrections are zero) may inflate more than a JSON document does.
MAX_JSON_BYTES = 16 * 2**20
MAX_TOTAL_BYTES = 2**30
MAX_INFLATION = 100
INFLATION_CHECKED_ABOVE = 2**20
# A saved estimator's JSON nests about 10 levels (a Keras configuration inside a parameter).
MAX_JSON_DEPTH = 64

# The members of the ``.keras`` archive Keras writes for a model without assets.
KERAS_WEIGHTS = "model.weights.h5"
KERAS_MEMBERS = {"config.json": True, KERAS_WEIGHTS: True, "metadata.json": False}  # name: required

_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def open_regular_file(path):
    """Open ``path`` for reading in binary mode if it is a regular file (links followed).

    Devices, named pipes and directories are refused from their ``stat``,
    before they are opened; the opened file is checked again, so a path
    swapped in between is refused too (opening does not block on a pipe).
    """

    def refuse_unless_regular(mode):
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
            raise ModelFileError(f"{path!r} is refused: it is {kind}, not a regular file.")

    refuse_unless_regular(os.stat(path).st_mode)
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        refuse_unless_regular(os.fstat(descriptor).st_mode)
    except ModelFileError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def check_members(where, archive, required, allowed=()):
    """Refuse an archive whose members are not ``required`` plus any of ``allowed``, each once.

    ``allowed=None`` allows any other member. A name held twice would let a
    file show one member to an inspecting tool and another to the reader.
    """
    names = archive.namelist()
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ModelFileError(f"{where} is refused: it holds more than one member named {repeated[0]!r}.")
    missing = sorted(set(required) - set(names))
    if missing:
        raise ModelFileError(f"{where} is not complete: it has no member named {missing[0]!r}.")
    unexpected = [] if allowed is None else sorted(set(names) - set(required) - set(allowed))
    if unexpected:
        raise ModelFileError(f"{where} is refused: its member {unexpected[0]!r} is not one a saved model holds.")


def check_declared_sizes(where, archive, json_members):
    """Refuse an archive whose members declare sizes a model file never has (a zip bomb).

    The members named in ``json_members`` are held to :data:`MAX_JSON_BYTES`;
    all members together to :data:`MAX_TOTAL_BYTES`; and every member but
    the weights to inflating at most :data:`MAX_INFLATION` times. A member
    cannot yield more than its declared size, so nothing larger is ever read.
    """
    total = 0
    for member in archive.infolist():
        limit = MAX_JSON_BYTES if member.filename in json_members else MAX_TOTAL_BYTES
        inflation = member.file_size / max(member.compress_size, 1)
        total += member.file_size
        weights = member.filename.endswith(".h5")
        if (
            member.file_size > limit
            or total > MAX_TOTAL_BYTES
            or (not weights and member.file_size > INFLATION_CHECKED_ABOVE and inflation > MAX_INFLATION)
        ):
            raise ModelFileError(
                f"{where} is refused: its member {member.filename!r} declares {member.file_size:,} bytes "
                f"({inflation:,.0f} times its compressed size), more than a model file holds."
            )


def read_json(where, data):
    """The JSON document ``data``, refused when it is not JSON or nests deeper than :data:`MAX_JSON_DEPTH`."""
    too_deep = f"{where} is refused: its JSON nests deeper than {MAX_JSON_DEPTH} levels."
    try:
        value = json.loads(data)
    except RecursionError as error:
        raise ModelFileError(too_deep) from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFileError(f"{where} is damaged: it is not valid JSON ({error}).") from error
    if _depth(value) > MAX_JSON_DEPTH:
        raise ModelFileError(too_deep)
    return value


def _depth(value):
    deepest, pending = 0, [(value, 1)]
    while pending:
        value, depth = pending.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        pending.extend((child, depth + 1) for child in children)
    return deepest


def check_fields(where, document, fields):
    """Refuse a JSON object whose fields are missing or of another type than ``fields`` gives.

    ``fields`` maps each name to ``(type, required)``; ``int`` excludes ``bool``.
    """
    if not isinstance(document, dict):
        raise ModelFileError(f"{where} is refused: it holds a JSON {_json_type(document)}, not an object.")
    for name, (expected, required) in fields.items():
        if name not in document:
            if required:
                raise ModelFileError(f"{where} is not complete: it has no field {name!r}.")
            continue
        value = document[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ModelFileError(
                f"{where} is refused: its field {name!r} is a JSON {_json_type(value)}, "
                f"where a saved model has a JSON {_json_type(expected())}."
            )


def _json_type(value):
    for kind, name in ((bool, "boolean"), ((int, float), "number"), (str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null"


# The dtypes a saved attribute's array has: numbers, booleans, text, objects (feature names).
_ARRAY_KINDS = "biufUO"


def array_dtype(where, declared):
    """The NumPy dtype an array is stored with, refused unless a plain one a saved attribute has.

    A file cannot make an array's elements large: structured and sub-array
    dtypes are refused, and text takes the width of its longest value, not
    a declared one.
    """
    try:
        dtype = np.dtype(declared) if isinstance(declared, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in _ARRAY_KINDS or dtype.shape or dtype.fields:
        raise ModelFileError(f"{where} is refused: {declared!r} is not a dtype a saved array has.")
    return np.dtype(str) if dtype.kind == "U" else dtype


def check_weights_stored(where, weights_file):
    """Refuse an HDF5 weights file whose arrays declare more than the file stores, or what is not numbers.

    Read from the headers alone: a weight declared 1 GiB but never written
    (read back as its fill value), compressed, or stored in an external file
    would otherwise be allocated in full when Keras reads it.
    """
    import h5py

    refused = []

    def check(name, item):
        if not isinstance(item, h5py.Dataset) or refused:
            return
        if item.dtype.kind not in "biuf" or item.dtype.fields or item.dtype.shape:
            refused.append(f"its weight {name!r} holds {item.dtype}, not numbers")
        elif item.id.get_storage_size() < item.nbytes or item.external:
            refused.append(
                f"its weight {name!r} declares {item.nbytes:,} bytes of shape "
                f"{item.shape} but stores {item.id.get_storage_size():,} in the file"
            )

    try:
        with h5py.File(io.BytesIO(weights_file), "r") as file:
            file.visititems(check)
    except OSError as error:
        raise ModelFileError(f"{where} is damaged: its weights are not a readable HDF5 file ({error}).") from error
    if refused:
        raise ModelFileError(f"{where} is refused: {refused[0]}.")


def check_finite_weights(where, model):
    """Refuse a loaded model with a NaN or infinite weight: its codes would be NaN."""
    for weight in model.weights:
        if not np.isfinite(weight.numpy()).all():
            raise ModelFileError(f"{where} is refused: its weight {weight.path!r} holds NaN or infinite values.")
