"""A Keras autoencoder as a scikit-learn transformer.

``AutoencoderTransformer`` goes where a PCA would go in a ``Pipeline``, and
``reconstruction_scorer`` compares the two in one grid search. Importing this
package does not import TensorFlow; training or loading a model does.
"""

from ._checks import DataScaleWarning, NeighborhoodWarning
from ._estimator import AutoencoderTransformer
from ._loading import load
from ._training import clear_cache
from ._version import __version__
from .metrics import reconstruction_error, reconstruction_scorer

__all__ = [
    "AutoencoderTransformer",
    "DataScaleWarning",
    "NeighborhoodWarning",
    "clear_cache",
    "load",
    "reconstruction_error",
    "reconstruction_scorer",
    "__version__",
]
