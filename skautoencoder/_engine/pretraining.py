"""Greedy layer-wise pretraining of a dense autoencoder, before end-to-end training."""

import numpy as np

from .._data_sources import InMemoryRows
from .backend import import_keras
from .compiled_trainer import CompiledTrainer
from .networks import mirrored_dense_pairs
from .objectives import Objective
from .training_loop import train


def pretrain_layerwise(encoder, decoder, inputs, *, loss, epochs, batch_size, shuffle, rng, make_optimizer):
    """Greedy layer-wise pretraining of a dense autoencoder.

    Each encoder Dense layer is trained, with the decoder layer that mirrors
    it, as a shallow autoencoder of the codes the layers before it produce;
    the first pair reconstructs the data itself with the estimator's
    ``loss``, the deeper pairs their hidden codes with squared error.
    Batch normalisation and dropout layers between them run in inference
    mode. Fine-tuning end to end follows, in :func:`train`.

    Parameters
    ----------
    encoder, decoder : keras.Model
        A dense encoder and its mirrored decoder (see ``build_dense_networks``).
    inputs : ndarray of shape (n_samples, n_features), float32
        The rows to pretrain on, in memory with their codes.
    loss : str or callable
        As the estimator's ``loss``: "mse", "binary_crossentropy", another
        name Keras knows, a Keras loss object or a function.
    epochs, batch_size : int
        Per layer.
    shuffle : bool
    rng : numpy.random.RandomState
    make_optimizer : callable
        Returns a fresh optimizer for each layer.
    """
    keras = import_keras()
    pairs = mirrored_dense_pairs(encoder, decoder, anchored=False)  # pretraining never anchors
    codes = inputs
    for depth, (encoder_layer, decoder_layer) in enumerate(pairs):
        if depth:
            upstream = keras.Model(encoder.input, pairs[depth - 1][0].output)
            codes = np.asarray(upstream.predict_on_batch(inputs))
        width = codes.shape[-1]
        shallow_in = keras.Input(shape=(width,))
        shallow_encoder = keras.Model(shallow_in, encoder_layer(shallow_in))
        code_in = keras.Input(shape=(encoder_layer.units,))
        shallow_decoder = keras.Model(code_in, decoder_layer(code_in))
        objective = Objective(shallow_encoder, shallow_decoder, loss if depth == 0 else "mse")
        trainer = CompiledTrainer(objective, make_optimizer())
        train(
            trainer,
            InMemoryRows(codes),
            np.arange(len(inputs), dtype=np.int32),
            epochs=epochs,
            batch_size=batch_size,
            shuffle=shuffle,
            rng=rng,
        )
