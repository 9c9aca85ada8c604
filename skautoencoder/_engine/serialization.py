"""Keras models and optimizer states as plain data: ``.keras`` bytes, arrays.

Keras models are stored as the bytes of Keras's own ``.keras`` archive, both
inside pickles and inside the files the estimator's ``save`` writes.

Not Keras's native pickling (``Model.__reduce__``, Keras >= 3.3): it
reloads a model with ``safe_mode=False``, so a pickled model may run any
code its layers hold (a ``Lambda``'s bytecode), and through a function of
Keras's private ``keras.src`` modules, which skops would have to be told to
trust. The bytes here load in Keras's safe mode, and skops keeps them as
plain bytes.
"""

import os
import tempfile
import warnings

import numpy as np

from .backend import import_keras
from .networks import column_affine_class


class KerasModelBytes(bytes):
    """The ``.keras`` archive of one model, as stored in a pickle."""


# Where a pickled estimator holds Keras models (fitted, or given as parameters).
_MODEL_NAMES = frozenset({"encoder_", "decoder_", "encoder", "decoder"})


def holds_model_bytes(name, value):
    """Whether the pickled state's ``name`` holds a model as ``.keras`` bytes.

    Pickle gives back :class:`KerasModelBytes`; skops, which rebuilds
    ``bytes`` subclasses as plain ``bytes``, gives plain bytes under a model's name.
    """
    return isinstance(value, KerasModelBytes) or (name in _MODEL_NAMES and type(value) is bytes)


def is_keras_model(value):
    """Whether ``value`` is a Keras model, without importing Keras."""
    return any(
        cls.__module__.startswith("keras") and cls.__name__ in ("Model", "Functional", "Sequential")
        for cls in type(value).__mro__
    )


def model_to_bytes(model):
    """Serialize a Keras model to ``.keras`` archive bytes."""
    keras = import_keras()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        # Keras's TensorFlow backend converts variables with np.array(x),
        # which NumPy 2 deprecates for them; nothing a caller could change.
        warnings.filterwarnings("ignore", "__array__ implementation doesn't accept a copy", DeprecationWarning)
        path = os.path.join(folder, "model.keras")
        keras.saving.save_model(model, path)
        with open(path, "rb") as file:
            return KerasModelBytes(file.read())


def model_from_bytes(data):
    """Rebuild a Keras model from ``.keras`` bytes, in safe mode."""
    keras = import_keras()
    column_affine_class()  # registers the layer PCA-anchored models hold
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return keras.saving.load_model(path, compile=False, safe_mode=True)


def optimizer_state(optimizer):
    """Return an optimizer's configuration and variables as plain data."""
    keras = import_keras()
    return {
        "config": keras.optimizers.serialize(optimizer),
        "variables": [np.array(v.numpy()) for v in optimizer.variables],
    }


def restore_optimizer(optimizer, state):
    """Load :func:`optimizer_state` variables into a built optimizer.

    Nothing is loaded when the variables do not match (another optimizer
    kind was chosen since); training then goes on with a fresh state.
    """
    variables = optimizer.variables
    if len(variables) != len(state["variables"]) or any(
        tuple(v.shape) != value.shape for v, value in zip(variables, state["variables"])
    ):
        return
    for variable, value in zip(variables, state["variables"]):
        variable.assign(value)
