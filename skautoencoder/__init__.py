"""A Keras autoencoder as a scikit-learn transformer.

``AutoencoderTransformer`` goes where a PCA would go in a ``Pipeline``, and
``reconstruction_scorer`` compares the two in one grid search;
``AutoencoderImputer`` fills missing values with its reconstruction. Importing this
package does not import TensorFlow; training or loading a model does.
"""

from ._engine.trainer_pool import clear_cache
from ._estimator import AutoencoderTransformer
from ._imputer import AutoencoderImputer
from ._loading import load
from ._version import __version__
from .exceptions import DataScaleWarning, ModelFileError, NeighborhoodWarning, TrainingDiverged
from .metrics import reconstruction_error, reconstruction_scorer

__all__ = [
    "AutoencoderImputer",
    "AutoencoderTransformer",
    "DataScaleWarning",
    "ModelFileError",
    "NeighborhoodWarning",
    "TrainingDiverged",
    "clear_cache",
    "load",
    "reconstruction_error",
    "reconstruction_scorer",
    "__version__",
]
