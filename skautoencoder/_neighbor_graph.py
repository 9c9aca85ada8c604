"""The neighbour graph of the training rows, and rows served with a neighbour each.

A neighbourhood-preserving fit (``neighbor_weight > 0``) trains on pairs: each
row comes with one of its nearest training rows, drawn afresh every epoch, so
that the objective can pull their codes together and push the codes of other
rows of the batch apart (see :func:`skautoencoder._engine.objectives.neighbor_loss`).
The pairs travel as one row of twice the width, so the compiled training loop
needs no change.
"""

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._data_sources import InMemoryRows


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
    indexed = X[train_rows]
    index = NearestNeighbors().fit(indexed)
    grid = 1e-9 * max(float(np.mean(np.square(indexed, dtype=np.float64).sum(axis=1))), 1e-300)
    # Each training row is its own nearest training row: it is listed first
    # and dropped (a duplicate of it, as good a neighbour, may stand in).
    own = np.arange(len(train_rows))
    neighbors[train_rows] = train_rows[_nearest(index, indexed, k + 1, grid, own)[:, 1:]]
    if validation_rows is not None and len(validation_rows):
        neighbors[validation_rows] = train_rows[_nearest(index, X[validation_rows], k, grid)]
    return neighbors


def _nearest(index, queries, k, grid, own=None):
    """The ``k`` nearest indexed rows of each query, the same under any thread count.

    The distances come from a matrix product whose rounding depends on how
    BLAS splits it between threads, so two nearly equal distances could
    swap and a seeded fit change with the number of threads. Squared
    distances are therefore rounded to ``grid``, far coarser than that
    rounding (1e-9 of the rows' mean squared norm), and ties broken by row
    index; where ties reach past the candidates asked for, more are asked.
    ``own`` gives each query's own indexed row, listed first.
    """
    n_indexed = index.n_samples_fit_
    found = np.empty((len(queries), k), dtype=np.int64)
    pending = np.arange(len(queries))
    n_candidates = min(k + 8, n_indexed)
    while len(pending):
        distances, candidates = index.kneighbors(queries[pending], n_neighbors=n_candidates)
        keys = np.round(np.square(distances, dtype=np.float64) / grid)
        if own is not None:
            keys[candidates == own[pending, None]] = -1.0
        order = np.lexsort((candidates, keys), axis=-1)
        candidates = np.take_along_axis(candidates, order, axis=1)
        keys = np.take_along_axis(keys, order, axis=1)
        # A tie at the k-th place that reaches the last candidate may hide
        # more rows at that distance: ask again with more candidates.
        unsure = (keys[:, k - 1] == keys[:, -1]) & (n_candidates < n_indexed)
        found[pending[~unsure]] = candidates[~unsure, :k]
        pending = pending[unsure]
        n_candidates = min(2 * n_candidates, n_indexed)
    return found


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
