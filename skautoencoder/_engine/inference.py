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

from .._data_sources import (
    StreamedRows,
    check_block,
    is_dask_array,
    is_sparse,
    is_streamed,
    output_dtype,
    rows_per_block,
)
from .backend import import_keras, import_tensorflow

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
    """A network of Dense layers evaluated with NumPy.

    Build it with :meth:`from_model`, which returns None for models it
    cannot evaluate exactly.
    """

    def __init__(self, steps, n_slots, output_slot, n_outputs):
        # steps: list of (kind, parameters, input slots, output slot) in
        # evaluation order; slot 0 holds the input. For "affine" the
        # parameters are (kernel, bias, activation function), float64, where
        # a 1-D kernel scales each column; "add" sums its inputs.
        self._steps = {np.dtype(np.float64): steps}
        self._n_slots = n_slots
        self._output_slot = output_slot
        self.n_outputs = n_outputs

    @classmethod
    def from_model(cls, model):
        """Return a :class:`DenseForward` equal to ``model``, or None.

        Every layer must be a Dense layer with a supported activation, a
        batch normalisation layer or a fixed column scaling (a scale and a
        shift at inference), an Add layer, or a Dropout layer (an identity at
        inference). The layers may branch and join, as in a PCA-anchored
        network; of a layer also called by other models (as layer-wise
        pretraining does), the call inside this model is the one evaluated.
        Of a model with several outputs (a variational encoder's mean and
        log-variance), the first is evaluated, as :class:`CompiledForward`
        returns it.
        """
        keras = import_keras()
        if len(model.inputs) != 1:
            return None
        slots = {id(model.inputs[0]): 0}
        steps = []
        for layer in model.layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            # The layer's call inside this model: one whose inputs the model
            # has computed (layers shared with other models have other calls).
            node = next((n for n in layer._inbound_nodes if all(id(t) in slots for t in n.input_tensors)), None)
            step = _numpy_step(keras, layer)
            if node is None or step is None or len(node.output_tensors) != 1:
                return None
            input_slots = [slots[id(tensor)] for tensor in node.input_tensors]
            output = node.output_tensors[0]
            if step == "identity":
                slots[id(output)] = input_slots[0]
                continue
            slots[id(output)] = len(slots)
            steps.append((*step, input_slots, slots[id(output)]))
        output_slot = slots.get(id(model.outputs[0]))
        steps = _steps_reaching(steps, output_slot)
        if output_slot is None or not steps:
            return None
        return cls(steps, len(slots), output_slot, model.outputs[0].shape[-1])

    def _steps_for(self, dtype):
        if dtype not in self._steps:
            self._steps[dtype] = [
                (kind, tuple(p.astype(dtype) if isinstance(p, np.ndarray) else p for p in parameters), inputs, out)
                for kind, parameters, inputs, out in self._steps[np.dtype(np.float64)]
            ]
        return self._steps[dtype]

    def __call__(self, X):
        """Evaluate the layers on a float32 or float64 array, in its dtype."""
        values = [None] * self._n_slots
        values[0] = X
        for kind, parameters, inputs, out in self._steps_for(X.dtype):
            if kind == "add":
                x = values[inputs[0]] + values[inputs[1]]
                for i in inputs[2:]:
                    x += values[i]
            else:
                kernel, bias, activation = parameters
                x = values[inputs[0]]
                x = x @ kernel if kernel.ndim == 2 else x * kernel
                x += bias
                activation(x)
            values[out] = x
        return values[self._output_slot]


def _steps_reaching(steps, output_slot):
    """The steps that ``output_slot`` depends on, in their order (other heads are left out)."""
    needed = {output_slot}
    kept = []
    for step in reversed(steps):
        *_, input_slots, out = step
        if out in needed:
            needed.update(input_slots)
            kept.append(step)
    return kept[::-1]


def _numpy_step(keras, layer):
    """``(kind, parameters)`` evaluating ``layer`` with NumPy, "identity", or None."""
    if isinstance(layer, keras.layers.Dropout):
        return "identity"
    if type(layer) is keras.layers.Add:
        return "add", ()
    if type(layer) is keras.layers.BatchNormalization:
        step = _batch_normalization_step(layer)
        return None if step is None else ("affine", step)
    if getattr(layer, "is_column_affine", False):
        scale, shift = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
        return "affine", (scale, shift, _linear)
    if type(layer) is not keras.layers.Dense or not layer.use_bias:
        return None
    name = _activation_name(keras, layer)
    if name not in _ACTIVATIONS:
        return None
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
    return "affine", (kernel, bias, _ACTIVATIONS[name])


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
        self._function = tf.function(self._call, autograph=False)  # see CompiledTrainer
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
        A validated NumPy array or CSR sparse matrix, or a streamed array
        (memmap, h5py, Zarr, Dask), whose blocks are validated here as they
        are read.
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
    sparse = is_sparse(X)
    if not is_streamed(X) and not sparse and len(X) <= chunk_rows:
        return np.asarray(function(X), dtype=dtype)
    out = np.empty((X.shape[0],) if n_outputs is None else (X.shape[0], n_outputs), dtype=dtype)
    if is_streamed(X):
        blocks = ((start, check_block(block)) for start, block in StreamedRows(X).blocks())
    elif sparse:  # (CSR, as validation leaves it) each chunk made dense as it is used, bounded in bytes
        chunk_rows = min(chunk_rows, rows_per_block(X.shape[1]))
        blocks = ((start, X[start : start + chunk_rows].toarray()) for start in range(0, X.shape[0], chunk_rows))
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
