"""Rows served with a neighbour each, for the neighbourhood term.

A neighbourhood-preserving fit (``neighbor_weight > 0``) trains on pairs: each
row comes with one of its nearest training rows (from
:func:`skautoencoder._neighbor_graph.neighbor_graph`), drawn afresh every
epoch, so that the objective can pull their codes together and push the
codes of other rows of the batch apart (see
:func:`skautoencoder._engine.loss_terms.neighbor_loss`). The pairs travel as
one row of twice the width, so the compiled training loop needs no change.
"""

import numpy as np

from ._data_sources import _RowSource


class PairedRows(_RowSource):
    """Rows, each followed by one of its neighbours, as rows of twice the width.

    Training draws each row's neighbour at random from its list, every
    epoch; reading rows in order (for the validation loss) takes the
    nearest, so that the loss is the same at every epoch. The rows come in
    the order their own source gives them (see
    :mod:`skautoencoder._data_sources`); each chunk's partners are gathered
    from ``partners`` in sorted order.

    Parameters
    ----------
    rows : row source
        The rows, in memory or read block by block.
    neighbors : ndarray of shape (n_samples, k)
        As :func:`~skautoencoder._neighbor_graph.neighbor_graph` gives it.
    partners : row source
        The same rows, gathered by index: ``rows`` where they can be, or
        what their :meth:`gatherable` gives.
    """

    def __init__(self, rows, neighbors, partners):
        self.rows = rows
        self.partners = partners
        self.neighbors = neighbors
        self.n_samples = rows.n_samples
        self.n_features = 2 * rows.n_features

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, float32 arrays [row, neighbour])`` of ``rows``, in a random order if ``shuffle``."""
        k = self.neighbors.shape[1]
        for picked, chunk in self.rows.indexed_training_chunks(rows, chunk_rows, shuffle, rng):
            column = rng.randint(k, size=len(picked)) if rng is not None else np.zeros(len(picked), dtype=int)
            partner_rows = self.partners.gather(self.neighbors[picked, column])
            yield picked, np.hstack([chunk, partner_rows]).astype(np.float32, copy=False)
