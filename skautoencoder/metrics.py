"""Reconstruction quality of any transformer that can invert itself.

PCA's own ``score`` is a log-likelihood and an autoencoder's is a negative
reconstruction error: the two cannot be compared. The functions here compute
the same reconstruction error for every transformer with
``inverse_transform`` (PCA, KernelPCA with ``fit_inverse_transform=True``,
TruncatedSVD, :class:`~skautoencoder.AutoencoderTransformer`, or a
``Pipeline`` of such steps), so a grid search can put them side by side.
"""

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import check_array

# Rows compared at a time: sparse rows are made dense a chunk at a time.
_CHUNK_ROWS = 4096


def reconstruction_error(estimator, X):
    """Mean squared error between ``X`` and its reconstruction.

    Parameters
    ----------
    estimator : fitted transformer with ``transform`` and ``inverse_transform``
        A reducer, or a ``Pipeline`` whose steps all invert.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Sparse rows are compared a chunk of rows at a time. NaN marks a
        missing entry, for an estimator that takes them (an
        :class:`~skautoencoder.AutoencoderTransformer` fitted with NaN).

    Returns
    -------
    error : float
        ``mean((X - estimator.inverse_transform(estimator.transform(X))) ** 2)``,
        over the observed (non-NaN) entries.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from skautoencoder.metrics import reconstruction_error
    >>> X = load_digits().data / 16
    >>> round(reconstruction_error(PCA(n_components=2).fit(X), X), 4)
    0.0524
    """
    if not hasattr(estimator, "inverse_transform"):
        raise TypeError(_not_invertible(estimator))
    X_checked = check_array(X, accept_sparse="csr", dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")
    reconstruction = np.asarray(estimator.inverse_transform(estimator.transform(X)))
    total, count = 0.0, 0
    for start in range(0, X_checked.shape[0], _CHUNK_ROWS):
        rows = X_checked[start : start + _CHUNK_ROWS]
        rows = rows.toarray() if issparse(rows) else rows
        squared = np.square(rows - reconstruction[start : start + _CHUNK_ROWS], dtype=np.float64)
        observed = ~np.isnan(squared)
        total, count = total + float(squared[observed].sum()), count + int(observed.sum())
    if count == 0:
        raise ValueError("X has no observed (non-NaN) entry: there is no reconstruction error to measure.")
    return total / count


def _not_invertible(estimator):
    """Why ``estimator`` has no ``inverse_transform``, naming a Pipeline's steps that lack one, and the way out."""
    steps = getattr(estimator, "steps", None)
    if not steps:
        return (
            f"{type(estimator).__name__} has no inverse_transform, so its reconstruction "
            "error is undefined. Use a transformer that can invert itself (e.g. PCA with "
            "any settings, KernelPCA with fit_inverse_transform=True)."
        )
    lacking = [
        i
        for i, (_, step) in enumerate(steps)
        if step not in (None, "passthrough") and not hasattr(step, "inverse_transform")
    ]
    named = ", ".join(f"{steps[i][0]!r} ({type(steps[i][1]).__name__})" for i in lacking)
    message = (
        f"{type(estimator).__name__} has no inverse_transform, so its reconstruction error is undefined: "
        f"step{'s' if len(lacking) > 1 else ''} {named} cannot invert"
    )
    first_invertible = lacking[-1] + 1
    if lacking == list(range(first_invertible)) and first_invertible < len(steps):
        n = first_invertible
        what = "it gives" if n == 1 else "they give"
        return (
            f"{message}. Measure the steps after {'it' if n == 1 else 'them'} on what {what}: "
            f"reconstruction_error(pipeline[{n}:], pipeline[:{n}].transform(X))."
        )
    return message + "."


def reconstruction_scorer(estimator, X, y=None):
    """Scorer for ``GridSearchCV(scoring=...)``: negative reconstruction error.

    Higher is better, like every scikit-learn score; equal to
    ``-reconstruction_error(estimator, X)``.

    Parameters
    ----------
    estimator : fitted transformer with ``inverse_transform``
    X : array-like of shape (n_samples, n_features)
    y : None
        Ignored.

    Returns
    -------
    score : float

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skautoencoder import reconstruction_scorer
    >>> X = load_digits().data / 16
    >>> search = GridSearchCV(PCA(), {"n_components": [2, 8]}, scoring=reconstruction_scorer)
    >>> search.fit(X).best_params_
    {'n_components': 8}
    """
    return -reconstruction_error(estimator, X)


def trustworthiness_score(X, codes, n_neighbors=5):
    """How far the code space avoids inventing neighbours, in [0, 1].

    1 means every point's ``n_neighbors`` nearest neighbours in the code
    space were also near it in ``X``. A thin wrapper of
    :func:`sklearn.manifold.trustworthiness`, here so that every report of
    this package uses the same definition.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    codes : array-like of shape (n_samples, n_components)
    n_neighbors : int, default=5

    Returns
    -------
    score : float
    """
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(X, codes, n_neighbors=n_neighbors))


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, n_neighbors=5):
    """Accuracy of a k-nearest-neighbours classifier in the code space.

    Parameters
    ----------
    train_codes, test_codes : array-like of shape (n, n_components)
    train_labels, test_labels : array-like of shape (n,)
    n_neighbors : int, default=5

    Returns
    -------
    accuracy : float
    """
    from sklearn.neighbors import KNeighborsClassifier

    classifier = KNeighborsClassifier(n_neighbors=n_neighbors).fit(train_codes, train_labels)
    return float(classifier.score(test_codes, test_labels))
