"""Build the encoder and decoder Keras models from estimator parameters.

The decoder mirrors the encoder: ``hidden_layer_sizes=(64, 32)`` gives the
network ``n_features → 64 → 32 → n_components → 32 → 64 → n_features``.
Every layer gets a seeded Glorot initializer, so a given seed always builds
the same weights without touching any global random state.
"""

from ._backend import import_keras


def _dense(keras, units, activation, seed, name):
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        name=name,
    )


def build_dense_networks(
    n_features,
    *,
    n_components,
    hidden_layer_sizes,
    activation,
    code_activation,
    output_activation,
    seed,
):
    """Build a dense encoder and its mirrored decoder.

    Parameters
    ----------
    n_features : int
        Width of the input rows.
    n_components : int
        Width of the code (bottleneck).
    hidden_layer_sizes : tuple of int
        Widths of the encoder's hidden layers, input side first.
    activation : str
        Activation of every hidden layer.
    code_activation : str
        Activation of the code layer.
    output_activation : str
        Activation of the reconstruction layer.
    seed : int
        Seed of the first layer's initializer; each later layer uses the next
        integer.

    Returns
    -------
    encoder, decoder : keras.Model
        ``encoder`` maps ``(n, n_features)`` to ``(n, n_components)`` and
        ``decoder`` maps codes back to ``(n, n_features)``.
    """
    keras = import_keras()
    hidden = tuple(hidden_layer_sizes)
    seeds = iter(range(seed, seed + 2 * len(hidden) + 2))

    inputs = keras.Input(shape=(n_features,), name="input")
    x = inputs
    for i, units in enumerate(hidden, start=1):
        x = _dense(keras, units, activation, next(seeds), f"encoder_hidden_{i}")(x)
    code = _dense(keras, n_components, code_activation, next(seeds), "code")(x)
    encoder = keras.Model(inputs, code, name="encoder")

    code_inputs = keras.Input(shape=(n_components,), name="code_input")
    x = code_inputs
    for i, units in enumerate(reversed(hidden), start=1):
        x = _dense(keras, units, activation, next(seeds), f"decoder_hidden_{i}")(x)
    outputs = _dense(keras, n_features, output_activation, next(seeds), "reconstruction")(x)
    decoder = keras.Model(code_inputs, outputs, name="decoder")
    return encoder, decoder


def compose_autoencoder(encoder, decoder):
    """Chain ``encoder`` and ``decoder`` into one trainable model.

    The returned model shares its layers (and so its weights) with both parts.
    """
    keras = import_keras()
    inputs = keras.Input(shape=encoder.input_shape[1:], name="autoencoder_input")
    return keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")


def make_optimizer(name, learning_rate):
    """Return a fresh Keras optimizer, e.g. ``make_optimizer("adam", 1e-3)``."""
    keras = import_keras()
    return keras.optimizers.get({"class_name": name, "config": {"learning_rate": learning_rate}})
