"""Keras callbacks, called at a fit's epoch boundaries as ``model.fit`` calls them.

An epoch here is one compiled call over all of its mini-batches, as in
``model.fit`` with ``steps_per_execution`` set to one epoch: callbacks see
``on_train_batch_begin`` and ``on_train_batch_end`` once per epoch (with the
epoch's mean loss), ``on_epoch_end`` with ``loss`` and, with early
stopping, ``val_loss``, and can stop the fit by setting
``model.stop_training``. Their ``model`` is the autoencoder as one Keras
model (the encoder, then the decoder) compiled with the fit's optimizer, so
``ModelCheckpoint`` saves it, ``LearningRateScheduler`` and
``ReduceLROnPlateau`` change the optimizer's learning rate between epochs,
and ``EarlyStopping`` and ``TensorBoard`` work as in Keras.
"""

import copy

from .backend import import_keras


def check_callbacks(callbacks):
    """Raise a ``TypeError`` naming the first item that is not a Keras callback."""
    keras = import_keras()
    for i, callback in enumerate(callbacks):
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks must be a list of keras.callbacks.Callback instances; item {i} is "
                f"{type(callback).__name__}: {callback!r}."
            )


def copy_callbacks(callbacks):
    """Copies of the (checked) callbacks for one fit, so the estimator's parameter never changes."""
    return copy.deepcopy(list(callbacks))


def autoencoder_model(encoder, decoder, optimizer):
    """The encoder and decoder as one Keras model (the code of a variational one: its mean)."""
    keras = import_keras()
    inputs = keras.Input(shape=encoder.inputs[0].shape[1:], name="rows")
    code = encoder(inputs)
    if isinstance(code, (list, tuple)):
        code = code[0]
    model = keras.Model(inputs, decoder(code), name="autoencoder")
    model.compile(optimizer=optimizer)
    return model


class EpochCallbacks:
    """A fit's Keras callbacks, with the hooks :func:`~skautoencoder._engine.training_loop.train` calls.

    Parameters
    ----------
    callbacks : list of keras.callbacks.Callback
        The fit's own copies (see :func:`copy_callbacks`).
    model : keras.Model
        What the callbacks see as ``self.model`` (see :func:`autoencoder_model`).
    epochs : int
        Epochs of this fit.
    steps_per_epoch : int
    first_epoch : int, default=0
        Index of this fit's first epoch, as Keras's ``initial_epoch``
        (``partial_fit`` goes on counting).
    """

    def __init__(self, callbacks, model, *, epochs, steps_per_epoch, first_epoch=0):
        keras = import_keras()
        self.callbacks = list(callbacks)
        self.model = model
        self._steps = steps_per_epoch
        self._first_epoch = first_epoch
        self._callbacks = keras.callbacks.CallbackList(
            callbacks, model=model, epochs=first_epoch + epochs, steps=steps_per_epoch, verbose=0
        )

    def train_begin(self):
        self.model.stop_training = False
        self._callbacks.on_train_begin()

    def epoch_begin(self, epoch):
        """Before epoch ``epoch`` (counted from 1 within this fit) trains."""
        self._callbacks.on_epoch_begin(self._first_epoch + epoch - 1)
        self._callbacks.on_train_batch_begin(0)

    def epoch_end(self, epoch, loss, validation_loss=None):
        """After the epoch; returns whether a callback asked to stop training."""
        self._callbacks.on_train_batch_end(self._steps - 1, {"loss": loss})
        logs = {"loss": loss}
        if validation_loss is not None:
            logs["val_loss"] = validation_loss
        self._callbacks.on_epoch_end(self._first_epoch + epoch - 1, logs)
        return bool(self.model.stop_training)

    def train_end(self, logs=None):
        self._callbacks.on_train_end(logs)
