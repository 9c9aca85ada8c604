"""The neighbour graph of the training rows, and rows served with a neighbour each.

A neighbourhood-preserving fit (``neighbor_weight > 0``) trains on pairs: each
row comes with one of its nearest training rows, drawn afresh every epoch, so
that the objective can pull their codes together and push the codes of other
rows of the batch apart (see :func:`skautoencoder._objectives.neighbor_loss`).
The pairs travel as one row of twice the width, so the compiled training loop
needs no change.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._datasource import InMemoryRows


def neighbor_graph(X, train_rows, validation_rows, n_neighbors):
    """Each row's nearest training rows (Euclidean), as row indices of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    train_rows : ndarray of int
        The rows a training row's neighbours are drawn from (itself excluded).
    validation_rows : ndarray of int or None
        Rows that get neighbours among the training rows too, so that the
        validation loss measures the same objective.
    n_neighbors : int
        Neighbours per row; capped at the number of training rows minus one.
        With a single training row, each row is its own neighbour.

    Returns
    -------
    neighbors : ndarray of shape (n_samples, k)
        Row ``i`` lists the neighbours of row ``i`` of ``X``, nearest first;
        rows in neither set keep their own index.
    """
    k = max(1, min(n_neighbors, len(train_rows) - 1))
    neighbors = np.repeat(np.arange(X.shape[0])[:, None], k, axis=1)
    if len(train_rows) < 2:
        return neighbors
    index = NearestNeighbors(n_neighbors=k + 1).fit(X[train_rows])
    # Each training row's nearest training row is itself (or a duplicate of
    # it, which is as good a neighbour): drop the first column.
    neighbors[train_rows] = train_rows[index.kneighbors(X[train_rows], return_distance=False)[:, 1:]]
    if validation_rows is not None and len(validation_rows):
        found = index.kneighbors(X[validation_rows], n_neighbors=k, return_distance=False)
        neighbors[validation_rows] = train_rows[found]
    return neighbors


def mean_column_variance(X, rows):
    """The mean of the columns' variances over ``rows``; 1.0 for constant data."""
    variance = float(np.mean(np.var(X[rows], axis=0, dtype=np.float64)))
    return variance if variance > 0 else 1.0


class PairedRows(InMemoryRows):
    """Rows of ``X``, each followed by one of its neighbours, as rows of twice the width.

    Training draws each row's neighbour at random from its list, every
    epoch; reading rows in order (for the validation loss) takes the
    nearest, so that the loss is the same at every epoch.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    neighbors : ndarray of shape (n_samples, k)
        As :func:`neighbor_graph` gives it.
    """

    def __init__(self, X, neighbors):
        super().__init__(X)
        self.neighbors = neighbors
        self.n_features = 2 * X.shape[1]

    def training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield float32 arrays ``[row, neighbour]`` of ``rows``, in a random order if ``shuffle``."""
        order = rng.permutation(rows) if shuffle else rows
        k = self.neighbors.shape[1]
        for start in range(0, len(order), chunk_rows):
            picked = order[start : start + chunk_rows]
            column = rng.randint(k, size=len(picked)) if rng is not None else np.zeros(len(picked), dtype=int)
            partners = self.neighbors[picked, column]
            yield np.hstack([self.X[picked], self.X[partners]]).astype(np.float32, copy=False)
