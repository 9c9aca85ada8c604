"""Whether the map earns its place: the map against reconstruction alone, on the fit's own validation rows.

With ``neighbor_weight="auto"``, a code of 2 or 3 values starts as a map
(the neighbourhood term and the network it was chosen with). On some
tables a map keeps neighbours worse than the same estimator trained for
reconstruction alone, and costs reconstruction too. On small data, where
a second fit is cheap, the fit therefore also trains reconstruction alone
on the same training rows and compares the two on the validation rows
that neither trained on: each validation row is placed among the training
rows in input space and in each code space, and its neighbour recall
says how many of its nearest training rows in the input stay nearest in
the code. The map is kept only where the mean per-row gain over
reconstruction alone is positive with 95% confidence; otherwise the
reconstruction network is kept, and ``neighbor_weight_`` says 0.
"""

import numpy as np

from ._engine.pca_floor import mean_upper_bound

# Neighbours each validation row's recall counts, among the training rows.
# Chosen on the digits (benchmarks/bench_floor.py's tuning tables): over
# 9 splits and seeds where the map kept held-out neighbours better, the
# recall of 20 neighbours showed it with t-statistics of 3.1 to 11.1
# against 0.1 to 5.6 for the per-row trustworthiness of 10, which 135
# validation rows could not tell from noise in 4 of the 9.
CHOICE_NEIGHBORS = 20


def neighbor_recall_per_row(reference, queries, reference_codes, query_codes, n_neighbors=CHOICE_NEIGHBORS):
    """Each query row's share of its nearest reference rows that the code keeps nearest, in [0, 1].

    For each query row, its ``n_neighbors`` nearest reference rows in code
    space are compared with its ``n_neighbors`` nearest in input space
    (Euclidean): the score is the share found in both. The reference rows
    are other rows (the training rows, for validation rows), so a code
    that merely memorised its training rows gains nothing.

    Parameters
    ----------
    reference, queries : ndarray of shape (n_reference, n_features), (n_queries, n_features)
        Rows in input space.
    reference_codes, query_codes : ndarray of shape (n_reference, n_components), (n_queries, n_components)
        The same rows in code space.
    n_neighbors : int, default=20
        Capped at ``n_reference``.

    Returns
    -------
    ndarray of shape (n_queries,)

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> reference, queries = rng.normal(size=(50, 4)), rng.normal(size=(3, 4))
    >>> neighbor_recall_per_row(reference, queries, reference, queries, n_neighbors=5)
    array([1., 1., 1.])
    >>> neighbor_recall_per_row(reference, queries, reference[:, :1], queries[:, :1], n_neighbors=5)
    array([0.2, 0.4, 0.2])
    """
    k = max(1, min(n_neighbors, len(reference)))
    in_input = _nearest(queries, reference, k)
    in_code = _nearest(query_codes, reference_codes, k)
    n_queries = len(in_input)
    found = np.zeros((n_queries, len(reference)), dtype=bool)
    found[np.arange(n_queries)[:, None], in_input] = True
    return found[np.arange(n_queries)[:, None], in_code].mean(axis=1)


def _nearest(queries, reference, k):
    """The indices of each query's ``k`` nearest reference rows (in no order)."""
    queries, reference = np.asarray(queries, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    distances = (queries * queries).sum(1)[:, None] - 2 * queries @ reference.T + (reference * reference).sum(1)
    if k == len(reference):
        return np.broadcast_to(np.arange(k), (len(queries), k))
    return np.argpartition(distances, k - 1, axis=1)[:, :k]


def map_gain(reference, queries, map_codes, reconstruction_codes):
    """How much better the map keeps the query rows' neighbours than reconstruction alone.

    Parameters
    ----------
    reference, queries : ndarray
        Training and validation rows in input space.
    map_codes, reconstruction_codes : tuple of (ndarray, ndarray)
        Each network's codes of the training rows and of the validation rows.

    Returns
    -------
    dict
        ``"neighbor_recall"`` (the mean per-row recall of the validation
        rows' neighbours under each network, ``"map"`` and
        ``"reconstruction"``: see :func:`neighbor_recall_per_row`) and
        ``"lower_bound"`` (the one-sided 95% lower confidence bound of the
        mean per-row gain of the map).
    """
    scores = {
        name: neighbor_recall_per_row(reference, queries, *codes)
        for name, codes in (("map", map_codes), ("reconstruction", reconstruction_codes))
    }
    return {
        "neighbor_recall": {name: float(np.mean(values)) for name, values in scores.items()},
        "lower_bound": 0.0 - mean_upper_bound(scores["reconstruction"] - scores["map"]),
    }
