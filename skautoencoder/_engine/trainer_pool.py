"""The compiled trainers kept for later fits, and the public call that releases them."""

import collections
import threading


class TrainerPool:
    """Compiled trainers kept for the next fits of networks of the same shape.

    Compiling the training steps costs a second or so per fit, and
    TensorFlow keeps a few megabytes of every compiled function for the life
    of the process. A search fits the same network over and over (each fold,
    each seed), so fits borrow a trainer compiled for their network's shape
    (see :meth:`CompiledTrainer.start_from`) and copy the trained weights out
    to their own models. Each thread has its own trainers; the least
    recently used beyond ``max_size`` are dropped.
    """

    def __init__(self, max_size=8):
        self.max_size = max_size
        self._local = threading.local()

    def trainer(self, key, make_trainer):
        """The trainer kept under ``key``, made by ``make_trainer()`` if none."""
        trainers = getattr(self._local, "trainers", None)
        if trainers is None:
            trainers = self._local.trainers = collections.OrderedDict()
        if key in trainers:
            trainers.move_to_end(key)
            return trainers[key]
        trainer = trainers[key] = make_trainer()
        trainer.reused = True
        while len(trainers) > self.max_size:
            trainers.popitem(last=False)
        return trainer

    def clear(self):
        """Drop the calling thread's trainers, so their memory can be freed."""
        self._local.trainers = collections.OrderedDict()


TRAINER_POOL = TrainerPool()


def clear_cache():
    """Release the compiled trainers kept for later fits.

    Fits of networks of the same shape reuse a compiled trainer (each fold
    and seed of a search compiles once); each thread keeps up to 8 of them,
    with their networks and optimizer state, for the life of the process.
    Call this when a session is done fitting to free that memory. Fitted
    estimators keep working; the next fit compiles again.

    Examples
    --------
    >>> import skautoencoder
    >>> skautoencoder.clear_cache()
    """
    TRAINER_POOL.clear()
