"""Rows served with a neighbour each, for the neighbourhood term.

A neighbourhood-preserving fit (``neighbor_weight > 0``) trains on pairs: each
row comes with one of its nearest training rows (from
:func:`skautoencoder._neighbor_graph.neighbor_graph`), drawn afresh every
epoch, so that the objective can pull their codes together and push the
codes of other rows of the batch apart (see
:func:`skautoencoder._engine.objectives.neighbor_loss`). The pairs travel as
one row of twice the width, so the compiled training loop needs no change.
"""

import os
import tempfile

import numpy as np

from ._data_sources import StreamedRows, _RowSource, gathered_rows, is_sparse, is_streamed, rows_of


def gatherable_rows(X, scratch):
    """Rows of ``X`` that partners can be gathered from: ``X`` itself, or a float32 copy on disk.

    An array in memory and a C-ordered float32 memmap are gathered from in
    place. Other data read block by block (h5py, Zarr, Dask, a memmap of
    another dtype) is written once, block by block, to a float32 ``.npy``
    file in a temporary directory that ``scratch`` (a
    :class:`contextlib.ExitStack`) removes when it closes, mapped into
    memory: a sorted gather of a chunk's partners then reads the page cache
    while the file fits in memory, and the disk beyond.
    """
    if not is_streamed(X) or (isinstance(X, np.memmap) and X.dtype == np.float32 and X.flags.c_contiguous):
        return X
    source = StreamedRows(X)
    path = os.path.join(scratch.enter_context(tempfile.TemporaryDirectory(prefix="skautoencoder-")), "rows.npy")
    copy = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(source.n_samples, source.n_features))
    for start, block in source.blocks():
        copy[start : start + len(block)] = block
    copy.flush()
    del copy
    return np.load(path, mmap_mode="r")


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
    X : ndarray of shape (n_samples, n_features), or a row source
        The rows, in memory or read block by block.
    neighbors : ndarray of shape (n_samples, k)
        As :func:`~skautoencoder._neighbor_graph.neighbor_graph` gives it.
    partners : ndarray of shape (n_samples, n_features), default=None
        The same rows, gathered by index (in memory, or a float32 memmap as
        :func:`gatherable_rows` gives it); None for ``X`` itself, which
        must then be in memory.
    """

    def __init__(self, X, neighbors, partners=None):
        self.rows = X if isinstance(X, _RowSource) else rows_of(X)
        self.partners = self.rows.X if partners is None else partners
        self.neighbors = neighbors
        self.n_samples = self.rows.n_samples
        self.n_features = 2 * self.rows.n_features

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, float32 arrays [row, neighbour])`` of ``rows``, in a random order if ``shuffle``."""
        k = self.neighbors.shape[1]
        for picked, chunk in self.rows.indexed_training_chunks(rows, chunk_rows, shuffle, rng):
            column = rng.randint(k, size=len(picked)) if rng is not None else np.zeros(len(picked), dtype=int)
            partners = self.neighbors[picked, column]
            if isinstance(self.partners, np.memmap):
                partner_rows = gathered_rows(self.partners, partners)
            elif is_sparse(self.partners):
                partner_rows = self.partners[partners].toarray()
            else:
                partner_rows = self.partners[partners]
            yield picked, np.hstack([chunk, partner_rows]).astype(np.float32, copy=False)
