"""A moment's weights and optimizer state, to put back: a failed fit's roll-back, a pooled trainer's fresh optimizer."""

import numpy as np


class TrainingSnapshot:
    """Weights of some models and an optimizer's variables at one moment."""

    def __init__(self, models, optimizer):
        self._weights = [(model, model.get_weights()) for model in models]
        variables = optimizer.variables if optimizer is not None else []
        self._optimizer_values = [(v, np.array(v.numpy())) for v in variables]

    def restore(self):
        """Put the saved values back."""
        for model, weights in self._weights:
            model.set_weights(weights)
        for variable, value in self._optimizer_values:
            variable.assign(value)
