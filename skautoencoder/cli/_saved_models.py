"""The command line's saved models: a scaler and an autoencoder, matched to new files by column name."""

import os

from .._input_scaling import scaling_to_json
from .._loading import load
from .._persistence import save_estimator
from .._version import __version__
from ._staged import CommandError


def save_pipeline(model, path):
    """Write a fitted Pipeline of a MinMaxScaler and the autoencoder for :func:`load_model`."""
    names = list(model[0].feature_names_in_) if hasattr(model[0], "feature_names_in_") else None
    save_estimator(model[-1], path, __version__, extra={"input_scaling": scaling_to_json(model[0]), "features": names})


def load_model(path):
    """The Pipeline (or bare autoencoder) saved at ``path``; one-line errors."""
    if not os.path.exists(path):
        raise CommandError(f"{path}: no such file.")
    try:
        return load(path)
    except ValueError as error:
        raise CommandError(str(error)) from None


def match_model_columns(table, model, data, model_path):
    """The table's features in the order the model was fitted on.

    Columns are matched by name when both the file and the model have
    names (the reader has left out the others, saying so), else by position
    when the counts agree.
    """
    expected = list(getattr(model, "feature_names_in_", [])) or None
    n_features = model.n_features_in_
    if expected is not None and table.has_header:
        missing = [name for name in expected if name not in table.names]
        if missing:
            raise CommandError(
                f"{data} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))} "
                f"that the model {model_path} was fitted on."
            )
        order = [table.names.index(name) for name in expected]
        if order != sorted(order):
            print(f"Reordering the columns of {data} to the model's order.")
        table.names = expected
        return table.X[:, order]
    if table.X.shape[1] != n_features:
        raise CommandError(
            f"{data} has {table.X.shape[1]} feature columns but the model {model_path} expects {n_features}."
        )
    if expected is not None:
        print(f"{data} has no header: taking its columns as the model's, in order ({', '.join(expected)}).")
    return table.X
