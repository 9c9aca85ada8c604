"""Rows with missing values (NaN): what the network sees in their place, and a PCA of the observed entries.

The encoder sees each missing entry as its column's observed mean (the
*fill value*), and the loss counts no error there (see
:class:`~skautoencoder._engine.objectives.Objective`). What needs complete
rows (the PCA anchor, the neighbour graph) gets them completed by
:func:`pca_completed`, an iterative PCA imputation that fits the PCA to
the observed entries.
"""

import numpy as np
from sklearn.decomposition import PCA

# Rounds of PCA imputation, and the relative change of the filled entries
# that ends them sooner.
PCA_COMPLETION_ROUNDS = 20
PCA_COMPLETION_TOL = 1e-4


def observed_column_means(X, feature_names=None):
    """Each column's mean over its observed entries.

    Raises
    ------
    ValueError
        If a column has no observed entry, naming it.
    """
    observed = ~np.isnan(X)
    counts = observed.sum(axis=0)
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        names = [repr(str(feature_names[i])) if feature_names is not None else str(i) for i in empty[:5]]
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        raise ValueError(
            f"Column{'s' if len(empty) > 1 else ''} {', '.join(names)}{more} of X "
            f"{'are' if len(empty) > 1 else 'is'} missing in every row, so nothing can fill "
            f"{'them' if len(empty) > 1 else 'it'}; drop {'them' if len(empty) > 1 else 'it'} first."
        )
    return np.where(observed, X, 0.0).sum(axis=0, dtype=np.float64) / counts


def filled(X, fill_values):
    """A copy of ``X`` with each NaN replaced by its column's fill value."""
    return np.where(np.isnan(X), np.asarray(fill_values, dtype=X.dtype), X)


def pca_completed(X, fill_values, n_components, seed):
    """A copy of ``X`` with each NaN replaced by a PCA of ``n_components`` fitted to the observed entries.

    Starting from the fill values, each round fits a PCA to the completed
    rows and replaces the missing entries by its reconstruction, until they
    change by less than :data:`PCA_COMPLETION_TOL` of their size, or after
    :data:`PCA_COMPLETION_ROUNDS` rounds. The observed entries never change,
    nor do the columns constant on their observed entries.
    """
    missing = np.isnan(X)
    completed = filled(X, fill_values).astype(np.float64)
    rank = min(n_components, X.shape[1] - 1, X.shape[0] - 1)
    if rank < 1 or not missing.any():
        return completed.astype(X.dtype, copy=False)
    fill_values = np.asarray(fill_values, dtype=np.float64)
    constant = np.nanmax(X, axis=0) == np.nanmin(X, axis=0)
    for _ in range(PCA_COMPLETION_ROUNDS):
        pca = PCA(rank, random_state=seed).fit(completed)
        reconstruction = pca.inverse_transform(pca.transform(completed))
        change = reconstruction[missing] - completed[missing]
        completed[missing] = reconstruction[missing]
        # A column constant on its observed entries stays constant, not
        # varying by rounding errors that would set its scale.
        completed[:, constant] = fill_values[constant]
        if np.linalg.norm(change) <= PCA_COMPLETION_TOL * max(np.linalg.norm(completed[missing]), 1e-30):
            break
    return completed.astype(X.dtype, copy=False)


def observed_squared_error_per_row(X, reconstruction):
    """Mean squared error of each row over its observed entries; NaN for a row with none."""
    observed = ~np.isnan(X)
    difference = np.where(observed, reconstruction - np.where(observed, X, 0.0), 0.0)
    counts = observed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.einsum("ij,ij->i", difference, difference, dtype=np.float64) / counts
