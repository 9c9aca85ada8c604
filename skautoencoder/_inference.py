"""Fast encode and decode paths for fitted models.

Calling a Keras model costs about a millisecond of framework dispatch, and
``Model.predict`` about fifty, however small the input. A dense encoder or
decoder is a few matrix products, so for those this module evaluates the
layers with NumPy (BLAS) straight from the trained weights: one row costs
microseconds, and large inputs run at matrix-multiplication speed. Any other
model runs as a compiled TensorFlow function. :func:`map_rows` feeds either
a block of rows at a time, so memory stays bounded by the block size and
the output, and inputs larger than memory stream through.
"""

import functools

import numpy as np
from scipy.special import expit

from ._backend import import_keras, import_tensorflow
from ._datasource import StreamedRows, check_block, is_dask_array, is_streamed, output_dtype

CHUNK_ROWS = 32768


def _relu(x):
    np.maximum(x, 0, out=x)


def _tanh(x):
    np.tanh(x, out=x)


def _sigmoid(x):
    expit(x, out=x)


def _linear(x):
    pass


_ACTIVATIONS = {"relu": _relu, "tanh": _tanh, "sigmoid": _sigmoid, "linear": _linear}


def _activation_name(keras, layer):
    name = keras.activations.serialize(layer.activation)
    return name if isinstance(name, str) else None


def _batch_normalization_step(layer):
    """Inference-time batch normalisation as ``(scale, shift, identity)``, or None."""
    if not (layer.center and layer.scale) or layer.axis not in (-1, [-1], 1, [1]):
        return None
    gamma, beta, mean, variance = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    scale = gamma / np.sqrt(variance + layer.epsilon)
    return scale, beta - mean * scale, _linear


class DenseForward:
    """A chain of Dense layers evaluated with NumPy.

    Build it with :meth:`from_model`, which returns None for models that are
    not a plain chain of Dense layers with supported activations.
    """

    def __init__(self, layers, n_outputs):
        # layers: list of (kernel, bias, activation function), float64; a 1-D
        # kernel scales each column (batch normalisation at inference).
        self._layers = {np.dtype(np.float64): layers}
        self.n_outputs = n_outputs

    @classmethod
    def from_model(cls, model):
        """Return a :class:`DenseForward` equal to ``model``, or None.

        The model must be a chain, each layer feeding only the next, of
        Dense layers with supported activations and batch normalisation
        layers (a scale and a shift at inference); Dropout layers,
        identities at inference, are skipped.
        """
        keras = import_keras()
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            return None
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        upstream = model.inputs[0]
        dense_layers = []
        for layer in layers:
            if layer.input is not upstream:
                return None
            upstream = layer.output
            if isinstance(layer, keras.layers.Dropout):
                continue
            if type(layer) is keras.layers.BatchNormalization:
                step = _batch_normalization_step(layer)
                if step is None:
                    return None
                dense_layers.append(step)
                continue
            if type(layer) is not keras.layers.Dense or not layer.use_bias:
                return None
            name = _activation_name(keras, layer)
            if name not in _ACTIVATIONS:
                return None
            kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
            dense_layers.append((kernel, bias, _ACTIVATIONS[name]))
        widths = [kernel.shape[1] for kernel, _, _ in dense_layers if kernel.ndim == 2]
        if not widths or upstream is not model.outputs[0]:
            return None
        return cls(dense_layers, widths[-1])

    def _layers_for(self, dtype):
        if dtype not in self._layers:
            self._layers[dtype] = [
                (k.astype(dtype), b.astype(dtype), f) for k, b, f in self._layers[np.dtype(np.float64)]
            ]
        return self._layers[dtype]

    def __call__(self, X):
        """Evaluate the layers on a float32 or float64 array, in its dtype."""
        x = X
        for kernel, bias, activation in self._layers_for(X.dtype):
            x = x @ kernel if kernel.ndim == 2 else x * kernel
            x += bias
            activation(x)
        return x


class CompiledForward:
    """Any Keras model, called as a compiled TensorFlow function.

    Of a model with several outputs (a variational encoder's mean and
    log-variance), the first is returned.
    """

    # Below this many rows an eager call is cheaper than tracing a graph.
    GRAPH_MIN_ROWS = 2048

    def __init__(self, model):
        tf = import_tensorflow()
        self._tf = tf
        self._several_outputs = len(model.outputs) > 1
        self._model = model
        self._function = tf.function(self._call)
        self.n_outputs = (model.output_shape[0] if self._several_outputs else model.output_shape)[-1]

    def _call(self, x):
        out = self._model(x, training=False)
        return out[0] if self._several_outputs else out

    def __call__(self, X):
        call = self._call if len(X) < self.GRAPH_MIN_ROWS else self._function
        out = call(self._tf.convert_to_tensor(X, dtype=self._tf.float32))
        return np.asarray(out).astype(X.dtype, copy=False)


def forward_for(model):
    """Return the fastest exact forward function for ``model``."""
    return DenseForward.from_model(model) or CompiledForward(model)


def map_rows(function, X, n_outputs=None, dtype=None, chunk_rows=CHUNK_ROWS):
    """Apply ``function`` to ``X`` a block of rows at a time, into one result.

    Parameters
    ----------
    function : callable
        Takes a validated float array of rows, returns one result row per
        input row (2-D with ``n_outputs`` columns, or 1-D).
    X : array-like of shape (n_samples, n_inputs)
        A validated NumPy array, or a streamed array (memmap, h5py, Zarr,
        Dask), whose blocks are validated here as they are read.
    n_outputs : int, default=None
        Columns of the result; None for one value per row.
    dtype : dtype, default=None
        Of the result; by default that of ``X`` (float32 stays float32,
        anything else gives float64).
    chunk_rows : int, default=CHUNK_ROWS
        Rows per call for an array in memory.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs) or (n_samples,)
        A lazy Dask array of that shape if ``X`` is a Dask array.
    """
    dtype = np.dtype(dtype or output_dtype(X))
    if is_dask_array(X):
        X = X.rechunk({1: -1})
        checked = functools.partial(_call_checked, function, dtype)
        if n_outputs is None:
            return X.map_blocks(checked, dtype=dtype, drop_axis=1)
        return X.map_blocks(checked, dtype=dtype, chunks=(X.chunks[0], (n_outputs,)))
    if not is_streamed(X) and len(X) <= chunk_rows:
        return np.asarray(function(X), dtype=dtype)
    out = np.empty((X.shape[0],) if n_outputs is None else (X.shape[0], n_outputs), dtype=dtype)
    if is_streamed(X):
        blocks = ((start, check_block(block)) for start, block in StreamedRows(X).blocks())
    else:
        blocks = ((start, X[start : start + chunk_rows]) for start in range(0, len(X), chunk_rows))
    for start, block in blocks:
        out[start : start + len(block)] = function(block)
    return out


def _call_checked(function, dtype, block):
    return np.asarray(function(check_block(block)), dtype=dtype)


def squared_error_per_row(encode, decode, X):
    """Mean squared reconstruction error of each row of an array in memory."""
    difference = np.subtract(decode(encode(X)), X)
    return np.einsum("ij,ij->i", difference, difference, dtype=np.float64) / X.shape[1]
