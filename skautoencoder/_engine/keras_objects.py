"""Optimizers, losses and activations given by any name Keras knows, or as Keras objects.

Names are checked by Keras itself at the start of ``fit`` (which imports
TensorFlow anyway), not in ``__init__``: scikit-learn estimators do no work
when constructed, and which names exist depends on the Keras version.
"""

import math

import numpy as np

from .backend import import_keras, import_tensorflow

_KINDS = {
    "activation": ("activations", "an activation"),
    "code_activation": ("activations", "an activation"),
    "output_activation": ("activations", "an activation"),
    "loss": ("losses", "a loss"),
    "optimizer": ("optimizers", "an optimizer"),
}


def check_keras_names(params):
    """Raise a ``ValueError`` naming the first parameter whose name Keras does not know."""
    keras = import_keras()
    for parameter, (module, kind) in _KINDS.items():
        value = params[parameter]
        if not isinstance(value, str):
            continue
        try:
            getattr(keras, module).get(value)
        except ValueError:
            raise ValueError(
                f"{parameter}={value!r} is not {kind} Keras knows: give a name from keras.{module} "
                f"(e.g. {_EXAMPLES[module]}) or a Keras object."
            ) from None


_EXAMPLES = {
    "activations": "'relu', 'tanh', 'gelu', 'linear'",
    "losses": "'mse', 'mae', 'huber', 'binary_crossentropy'",
    "optimizers": "'adam', 'nadam', 'adamw', 'sgd'",
}


def make_optimizer(optimizer, learning_rate):
    """A fresh, unbuilt optimizer: from a name, or a copy of an optimizer object.

    ``learning_rate``, unless None, replaces the optimizer's own.

    Examples
    --------
    >>> from skautoencoder._engine.keras_objects import make_optimizer
    >>> optimizer = make_optimizer("sgd", None)
    >>> type(optimizer).__name__, round(optimizer.get_config()["learning_rate"], 6)
    ('SGD', 0.01)
    """
    keras = import_keras()
    if isinstance(optimizer, str):
        config = {} if learning_rate is None else {"learning_rate": learning_rate}
        return keras.optimizers.get({"class_name": optimizer, "config": config})
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = learning_rate
    return type(optimizer).from_config(config)


def keras_loss_per_row(loss):
    """``f(tf, x, reconstruction)`` giving one value per row of a Keras loss name, function or object."""
    keras = import_keras()
    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    per_sample = function.call if isinstance(function, keras.losses.Loss) else function

    def loss_per_row(tf, x, reconstruction):
        values = per_sample(x, reconstruction)
        if len(values.shape) == 0:
            # One number for the whole batch would weigh padding rows and
            # sum wrongly over validation rows.
            raise ValueError(
                f"loss={loss!r} gives one number for the whole batch; it must give one value per row "
                "or per entry (e.g. return keras.ops.mean(..., axis=-1), not a full mean)."
            )
        # A loss given per entry is averaged over the row, as "mse" is.
        return tf.reduce_mean(values, axis=-1) if len(values.shape) > 1 else values

    return loss_per_row


def check_loss_gives_rows(loss, n_features):
    """Refuse a user's loss that gives one number per batch, by calling it once on two small rows.

    The fit would otherwise find out at its first traced step, after the
    PCA start and the neighbour graph are built.
    """
    if isinstance(loss, str):
        return
    tf = import_tensorflow()
    rows = tf.zeros((2, n_features), dtype=tf.float32)
    keras_loss_per_row(loss)(tf, rows, rows + 0.5)


def is_linear(activation):
    """Whether ``activation`` (a name or function) is the identity."""
    return activation == "linear" or getattr(activation, "__name__", None) == "linear"


def is_sigmoid(activation):
    """Whether ``activation`` (a name or function) is the logistic sigmoid."""
    return activation == "sigmoid" or getattr(activation, "__name__", None) == "sigmoid"


def is_binary_crossentropy(loss):
    """Whether ``loss`` is binary cross-entropy: by name, as Keras's loss object or as Keras's function.

    Examples
    --------
    >>> from skautoencoder._engine.keras_objects import is_binary_crossentropy
    >>> is_binary_crossentropy("binary_crossentropy"), is_binary_crossentropy("mse")
    (True, False)
    """
    if isinstance(loss, str):
        return loss == "binary_crossentropy"
    kind = type(loss)
    if kind.__module__.startswith("keras") and kind.__name__ == "BinaryCrossentropy":
        return True
    return getattr(loss, "__name__", None) == "binary_crossentropy" and str(getattr(loss, "__module__", "")).startswith(
        "keras"
    )


# Far enough out that every activation Keras has is flat (bounded) or still
# growing (unbounded) there.
_FAR = 1e4
_GRID = np.concatenate([-np.logspace(-3, 4, 400)[::-1], [0.0], np.logspace(-3, 4, 400)]).astype(np.float32)


def activation_range(activation):
    """``(bottom, top)``: the values ``activation`` can produce, measured on a grid.

    Examples
    --------
    >>> from skautoencoder._engine.keras_objects import activation_range
    >>> activation_range("sigmoid"), activation_range("relu")
    ((0.0, 1.0), (0.0, inf))
    """
    if is_linear(activation):
        return -math.inf, math.inf
    keras = import_keras()
    function = keras.activations.get(activation)
    values = np.asarray(keras.ops.convert_to_numpy(function(keras.ops.convert_to_tensor(_GRID))), dtype=np.float64)
    bottom, top = float(values.min()), float(values.max())
    return (-math.inf if bottom <= -_FAR / 10 else bottom), (math.inf if top >= _FAR / 10 else top)


def to_config(parameter, value):
    """A Keras object or function given as ``parameter``, as JSON-ready data.

    A Keras function is stored by its name, an object (an optimizer, a
    loss) by its Keras configuration; the user's own code is refused.
    """
    keras = import_keras()
    module = getattr(keras, _KINDS[parameter][0])
    name = getattr(value, "__name__", None)
    if not isinstance(value, type) and name is not None and _get(module, name) is value:
        return {"keras_name": name}
    config = keras.saving.serialize_keras_object(value) if hasattr(value, "get_config") else None
    if config is None or not _is_keras_own(config):
        raise ValueError(
            f"{parameter}={value!r} is code of your own, which save() does not store (load() runs no code "
            "from a file): give a name or an object of Keras's own, or pickle the estimator instead."
        )
    if _settings(keras.saving.deserialize_keras_object(config, safe_mode=True)) != _settings(value):
        raise ValueError(
            f"{parameter}={value!r} does not keep all its settings in its Keras configuration, so save() "
            "would lose some: pickle the estimator instead."
        )
    return {"keras_object": config}


def _settings(value):
    """An object's attributes that are plain data, to tell whether a configuration kept them."""
    plain = (int, float, str, bool, type(None), dict, list, tuple)
    return {name: v for name, v in vars(value).items() if isinstance(v, plain)}


def from_config(parameter, config):
    """The Keras function or object :func:`to_config` stored, rebuilt in Keras's safe mode."""
    keras = import_keras()
    if "keras_name" in config:
        return getattr(keras, _KINDS[parameter][0]).get(config["keras_name"])
    if not _is_keras_own(config["keras_object"]):
        raise ValueError(f"The file's {parameter} names an object that is not Keras's own; it was not loaded.")
    return keras.saving.deserialize_keras_object(config["keras_object"], safe_mode=True)


def _get(module, name):
    try:
        return module.get(name)
    except ValueError:
        return None


def _is_keras_own(config):
    """Whether every class ``config`` names comes from a Keras module."""
    if isinstance(config, dict):
        module = config.get("module")
        if module is not None and not (module == "keras" or str(module).startswith("keras.")):
            return False
        return all(_is_keras_own(v) for v in config.values())
    if isinstance(config, list):
        return all(_is_keras_own(v) for v in config)
    return True
