"""The warnings and errors the library raises that are its own."""


class DataScaleWarning(UserWarning):
    """The training data's scale does not suit the model.

    Its columns span very different ranges, or it holds values the bounded
    ``output_activation`` cannot produce.
    """


class NeighborhoodWarning(UserWarning):
    """The neighbourhood term cost reconstruction that PCA keeps.

    With ``neighbor_weight > 0`` the fit keeps the best epoch whose
    reconstruction error on the validation rows stays within 2% of PCA's;
    this warning says when that was the untrained PCA start, or when no
    state met the bound.
    """


class TrainingDiverged(ValueError):
    """The training loss became NaN or infinite."""


class ModelFileError(ValueError):
    """A model file was refused by :func:`~skautoencoder.load`.

    Raised before anything large is read or allocated, for a path that is
    not a regular file and for a file that is damaged, from another format
    version, or declares content a saved estimator never has (sizes, types,
    members, non-finite weights). The message names the file and the member
    or field at fault; the error that revealed it, if any, is its cause.
    """
