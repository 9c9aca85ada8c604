"""Build the encoder and decoder Keras models from estimator parameters.

Four kinds of network:

- dense: ``hidden_layer_sizes=(64, 32)`` gives
  ``n_features → 64 → 32 → n_components → 32 → 64 → n_features``, with
  optional dropout and batch normalisation after each hidden layer;
- convolutional, when an ``image_shape`` is given: ``hidden_layer_sizes``
  are the filter counts of Conv2D + MaxPooling2D blocks, mirrored by
  UpSampling2D + Conv2D blocks; both models still take and return flat rows;
- PCA-anchored dense (``spec.pca_anchored``): the code is PCA's projection
  plus a non-linear correction, the reconstruction PCA's reconstruction plus
  another (see :func:`build_anchored_networks`);
- whatever the user passes as ``encoder`` or ``decoder``: a Keras model
  (copied, never changed) or a function building one.

A variational encoder ends in two heads, the code's mean and log-variance.
Every layer gets a seeded initializer, so a seed always builds the same
weights without touching any global random state.
"""

import contextlib
import math
import random
from dataclasses import dataclass

import numpy as np

from .backend import import_keras


@dataclass(frozen=True)
class NetworkSpec:
    """The estimator parameters that shape the networks."""

    n_components: int
    hidden_layer_sizes: tuple
    activation: str
    code_activation: str
    output_activation: str
    image_shape: tuple = None
    variational: bool = False
    dropout: float = 0.0
    batch_normalization: bool = False
    pca_anchored: bool = False


class _Seeds:
    """Successive integer seeds, one per layer, from a first seed."""

    def __init__(self, first):
        self._next = first

    def __call__(self):
        self._next += 1
        return self._next - 1


def _dense(keras, units, activation, seeds, name):
    return keras.layers.Dense(
        units, activation=activation, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()), name=name
    )


def _regularize(keras, x, spec, seeds, name):
    """Batch normalisation and dropout after a hidden layer, as asked."""
    if spec.batch_normalization:
        x = keras.layers.BatchNormalization(name=f"{name}_batch_norm")(x)
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout, seed=seeds(), name=f"{name}_dropout")(x)
    return x


def _code_heads(keras, x, spec, seeds):
    if not spec.variational:
        return _dense(keras, spec.n_components, spec.code_activation, seeds, "code")(x)
    mean = _dense(keras, spec.n_components, spec.code_activation, seeds, "code_mean")(x)
    log_variance = keras.layers.Dense(
        spec.n_components, kernel_initializer="zeros", bias_initializer="zeros", name="code_log_variance"
    )(x)
    return [mean, log_variance]


def build_dense_networks(n_features, spec, seed):
    """Build a dense encoder and its mirrored decoder.

    Parameters
    ----------
    n_features : int
        Width of the input rows.
    spec : NetworkSpec
    seed : int
        Seed of the first layer's initializer; later layers use the next ones.

    Returns
    -------
    encoder, decoder : keras.Model
    """
    keras = import_keras()
    seeds = _Seeds(seed)
    inputs = keras.Input(shape=(n_features,), name="input")
    x = inputs
    for i, units in enumerate(spec.hidden_layer_sizes, start=1):
        x = _dense(keras, units, spec.activation, seeds, f"encoder_hidden_{i}")(x)
        x = _regularize(keras, x, spec, seeds, f"encoder_hidden_{i}")
    encoder = keras.Model(inputs, _code_heads(keras, x, spec, seeds), name="encoder")

    code_inputs = keras.Input(shape=(spec.n_components,), name="code_input")
    x = code_inputs
    for i, units in enumerate(reversed(spec.hidden_layer_sizes), start=1):
        x = _dense(keras, units, spec.activation, seeds, f"decoder_hidden_{i}")(x)
        x = _regularize(keras, x, spec, seeds, f"decoder_hidden_{i}")
    outputs = _dense(keras, n_features, spec.output_activation, seeds, "reconstruction")(x)
    return encoder, keras.Model(code_inputs, outputs, name="decoder")


_COLUMN_AFFINE = []


def column_affine_class():
    """The Keras layer class of a fixed per-column ``x * scale + shift``.

    Its scale and shift are non-trainable weights, so they are saved with the
    model and set with ``set_weights`` like any weight. The class is defined,
    and registered for Keras's safe loading, on first use (loading a model
    calls this first), which keeps Keras out of ``import skautoencoder``.
    """
    if not _COLUMN_AFFINE:
        keras = import_keras()

        @keras.saving.register_keras_serializable(package="skautoencoder")
        class ColumnAffine(keras.layers.Layer):
            """``x * scale + shift`` per column, with fixed (non-trainable) weights."""

            is_column_affine = True

            def build(self, input_shape):
                width = input_shape[-1]
                self.scale = self.add_weight(name="scale", shape=(width,), initializer="ones", trainable=False)
                self.shift = self.add_weight(name="shift", shape=(width,), initializer="zeros", trainable=False)

            def call(self, x):
                return x * self.scale + self.shift

            def compute_output_shape(self, input_shape):
                return input_shape

        _COLUMN_AFFINE.append(ColumnAffine)
    return _COLUMN_AFFINE[0]


def column_affine_layer(name):
    """A new :func:`column_affine_class` layer."""
    return column_affine_class()(name=name)


def build_anchored_networks(n_features, spec, seed):
    """Build a PCA-anchored encoder and decoder.

    The encoder's code is a linear projection (``pca_projection``) plus a
    correction: the input standardised per column, the hidden layers, and a
    last layer whose weights start at zero, scaled back to the codes'
    spread. The decoder's reconstruction is a linear map (``pca_reconstruction``)
    plus a correction built the same way from the standardised code, scaled
    back to each column's spread. :func:`set_pca_anchor` puts a PCA into
    the linear paths and the scalings; before training the pair then
    reproduces that PCA exactly, and every weight trains end to end. The
    scalings are fixed, so the corrections see inputs of unit spread
    whatever the units of the columns, while the loss stays in those units.

    Parameters and returns as in :func:`build_dense_networks`.
    """
    keras = import_keras()
    layers = keras.layers
    seeds = _Seeds(seed)

    def branch(x, widths, out_width, role):
        for i, units in enumerate(widths, start=1):
            x = _dense(keras, units, spec.activation, seeds, f"{role}_hidden_{i}")(x)
            x = _regularize(keras, x, spec, seeds, f"{role}_hidden_{i}")
        x = layers.Dense(out_width, kernel_initializer="zeros", name=f"{role}_correction")(x)
        return column_affine_layer(name=f"{role}_correction_scale")(x)

    inputs = keras.Input(shape=(n_features,), name="input")
    projection = layers.Dense(spec.n_components, kernel_initializer="zeros", name="pca_projection")(inputs)
    standardized = column_affine_layer(name="standardize")(inputs)
    correction = branch(standardized, spec.hidden_layer_sizes, spec.n_components, "encoder")
    encoder = keras.Model(inputs, layers.Add(name="code")([projection, correction]), name="encoder")

    code_inputs = keras.Input(shape=(spec.n_components,), name="code_input")
    reconstruction = layers.Dense(n_features, kernel_initializer="zeros", name="pca_reconstruction")(code_inputs)
    standardized_code = column_affine_layer(name="code_standardize")(code_inputs)
    correction = branch(standardized_code, spec.hidden_layer_sizes[::-1], n_features, "decoder")
    decoder = keras.Model(code_inputs, layers.Add(name="reconstruction")([reconstruction, correction]), name="decoder")
    return encoder, decoder


def set_pca_anchor(encoder, decoder, anchor):
    """Make anchored networks reproduce the PCA of ``anchor`` (a ``PcaAnchor``).

    Sets the linear paths to PCA's projection and reconstruction, and the
    fixed scalings to the columns' and the codes' spreads; the corrections'
    last layers keep whatever weights they have (zero when newly built).
    """
    components = anchor.components
    encoder.get_layer("pca_projection").set_weights([components.T, -anchor.mean @ components.T])
    encoder.get_layer("standardize").set_weights([1.0 / anchor.column_scale, -anchor.mean / anchor.column_scale])
    encoder.get_layer("encoder_correction_scale").set_weights([anchor.code_scale, np.zeros_like(anchor.code_scale)])
    decoder.get_layer("pca_reconstruction").set_weights([components, anchor.mean])
    decoder.get_layer("code_standardize").set_weights([1.0 / anchor.code_scale, np.zeros_like(anchor.code_scale)])
    decoder.get_layer("decoder_correction_scale").set_weights([anchor.column_scale, np.zeros_like(anchor.column_scale)])


def build_convolutional_networks(n_features, spec, seed):
    """Build a convolutional encoder and decoder for flat image rows.

    ``spec.image_shape`` is ``(height, width, channels)`` with
    ``height * width * channels == n_features``; each entry of
    ``spec.hidden_layer_sizes`` is the filter count of one block, and each
    block halves the height and width (rounding up).
    """
    keras = import_keras()
    layers = keras.layers
    seeds = _Seeds(seed)
    height, width, channels = spec.image_shape
    filters = spec.hidden_layer_sizes

    def conv(units, activation, name):
        return layers.Conv2D(
            units,
            3,
            padding="same",
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
            name=name,
        )

    inputs = keras.Input(shape=(n_features,), name="input")
    x = layers.Reshape(spec.image_shape, name="to_image")(inputs)
    for i, units in enumerate(filters, start=1):
        x = conv(units, spec.activation, f"encoder_conv_{i}")(x)
        x = layers.MaxPooling2D(2, padding="same", name=f"encoder_pool_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    encoder = keras.Model(inputs, _code_heads(keras, x, spec, seeds), name="encoder")

    factor = 2 ** len(filters)
    small_height, small_width = math.ceil(height / factor), math.ceil(width / factor)
    code_inputs = keras.Input(shape=(spec.n_components,), name="code_input")
    x = _dense(keras, small_height * small_width * filters[-1], spec.activation, seeds, "decoder_dense")(code_inputs)
    x = layers.Reshape((small_height, small_width, filters[-1]), name="to_feature_maps")(x)
    for i, units in enumerate(reversed(filters), start=1):
        x = layers.UpSampling2D(2, name=f"decoder_upsample_{i}")(x)
        x = conv(units, spec.activation, f"decoder_conv_{i}")(x)
    extra_height, extra_width = small_height * factor - height, small_width * factor - width
    if extra_height or extra_width:
        x = layers.Cropping2D(((0, extra_height), (0, extra_width)), name="crop")(x)
    x = conv(channels, spec.output_activation, "reconstruction_image")(x)
    outputs = layers.Flatten(name="reconstruction")(x)
    return encoder, keras.Model(code_inputs, outputs, name="decoder")


def build_networks(n_features, spec, seed):
    """Dense, PCA-anchored or convolutional encoder and decoder, by ``spec``."""
    if spec.pca_anchored:
        return build_anchored_networks(n_features, spec, seed)
    if spec.image_shape is not None:
        return build_convolutional_networks(n_features, spec, seed)
    return build_dense_networks(n_features, spec, seed)


def mirrored_dense_pairs(encoder, decoder, *, anchored):
    """Pair each encoder Dense layer with the decoder Dense layer mirroring it.

    For ``n_features → 64 → 32 → k`` the pairs are (64-wide encoder layer,
    reconstruction layer), (32-wide, decoder layer to 64), (code layer,
    decoder layer to 32): each decoder layer maps back to its partner's input
    width, so its kernel has the shape of the partner's kernel transposed.
    Of a PCA-anchored pair (``anchored``, as the configuration says) only
    the linear paths are mirrored: PCA's projection and reconstruction.
    """
    keras = import_keras()
    if anchored:
        return [(encoder.get_layer("pca_projection"), decoder.get_layer("pca_reconstruction"))]
    encoder_layers = [layer for layer in encoder.layers if type(layer) is keras.layers.Dense]
    decoder_layers = [layer for layer in decoder.layers if type(layer) is keras.layers.Dense][::-1]
    return list(zip(encoder_layers, decoder_layers))


@contextlib.contextmanager
def python_random_seeded(seed):
    """Seed Python's ``random`` for the block, then restore its state.

    Keras draws the seeds of unseeded initializers and dropout layers from
    Python's global generator; building a user's model in this scope makes it
    reproducible and leaves the user's random state as it was.
    """
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def user_model(model_or_builder, input_width, output_width, role, seed):
    """A private copy of a user's encoder or decoder, checked for shape.

    Parameters
    ----------
    model_or_builder : keras.Model or callable
        A model, copied with its weights so that training never changes the
        user's object, or a function ``builder(input_width, output_width)``
        returning a new model.
    input_width, output_width : int
    role : {"encoder", "decoder"}
        Names the parameter in error messages.
    seed : int
        Seeds whatever the model's layers draw at random while it is built.

    Returns
    -------
    keras.Model
    """
    keras = import_keras()
    with python_random_seeded(seed):
        if isinstance(model_or_builder, keras.Model):
            model = keras.models.clone_model(model_or_builder)
            model.set_weights(model_or_builder.get_weights())
        else:
            model = model_or_builder(input_width, output_width)
        if not isinstance(model, keras.Model):
            raise TypeError(f"The {role} builder must return a keras.Model; it returned {type(model).__name__}.")
    check_model_widths(model, input_width, output_width, role)
    return model


def check_model_widths(model, input_width, output_width, role):
    """Refuse a user's ``role`` model that does not map ``input_width`` columns to ``output_width``."""
    try:
        got_in, got_out = model.input_shape[-1], model.output_shape[-1]
    except (AttributeError, ValueError):  # Keras before 3.4 raises ValueError for a Sequential
        raise TypeError(
            f"The {role} must be a Keras functional or Sequential model whose input shape is known "
            f"(built on keras.Input); the {type(model).__name__} given has none."
        ) from None
    if (got_in, got_out) != (input_width, output_width):
        what = "n_components" if role == "encoder" else "n_features"
        raise ValueError(
            f"The {role} must map {input_width} to {output_width} columns ({what}={output_width}); "
            f"the one given maps {got_in} to {got_out}."
        )
