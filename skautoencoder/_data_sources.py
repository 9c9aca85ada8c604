"""Rows of the data, read a block at a time.

Training and inference never need all of ``X`` at once, so ``X`` may be
larger than memory: a NumPy memmap, an HDF5 dataset (h5py), a Zarr array or
a Dask array is read in blocks of contiguous rows, each converted to a small
NumPy array just before it is used. An ordinary NumPy array is used in
place, its rows gathered a chunk at a time, and a SciPy sparse matrix or
array likewise, each chunk made dense only as it is used.

Shuffling a data set on disk row by row would turn every read into a random
one, so a streamed epoch visits the blocks in a random order and shuffles
the rows within each block (the usual shuffle of out-of-core training). A
data set that fits in one block is shuffled exactly like an array in memory.
"""

import os
import tempfile

import numpy as np
from scipy.sparse import issparse
from sklearn.utils.validation import check_array

# Bytes of float32 rows in one block or chunk: bounds the memory that
# reading and training add, whatever the number of features.
BLOCK_BYTES = 16 * 2**20
# At most this many rows per block.
MAX_BLOCK_ROWS = 65536

_STREAMED_MODULES = ("h5py", "zarr", "dask")


def is_streamed(X):
    """Whether ``X`` is read block by block rather than used in memory.

    True for a NumPy memmap and for arrays of h5py, Zarr and Dask.
    """
    if isinstance(X, np.memmap):
        return True
    return type(X).__module__.split(".")[0] in _STREAMED_MODULES


def is_sparse(X):
    """Whether ``X`` is a SciPy sparse matrix or array."""
    return issparse(X)


def is_dask_array(X):
    """Whether ``X`` is a Dask array (without importing Dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "map_blocks")


def rows_per_block(n_features):
    """Rows of ``n_features`` float32 values that fit in :data:`BLOCK_BYTES`."""
    return int(min(MAX_BLOCK_ROWS, max(1, BLOCK_BYTES // (4 * max(1, n_features)))))


def index_dtype(n):
    """The integer dtype of indices below ``n``: int32 where it holds them (half the memory), else int64."""
    return np.int32 if n < 2**31 else np.int64


def check_block(block):
    """Validate one block of rows like ``check_array`` (finite, numeric, 2-D)."""
    return check_array(block, dtype=[np.float64, np.float32], input_name="X")


def output_dtype(X):
    """The dtype results on ``X`` take: float32 stays float32, else float64."""
    return np.dtype(np.float32) if np.dtype(X.dtype) == np.float32 else np.dtype(np.float64)


class _RowSource:
    """What every kind of rows shares: chunks of rows for training, and in order for inference and PCA."""

    def training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield float32 arrays of ``rows``, in a random order if ``shuffle``."""
        for _, chunk in self.indexed_training_chunks(rows, chunk_rows, shuffle, rng):
            yield chunk

    def chunks(self, rows, chunk_rows):
        """Yield float32 arrays of ``rows`` (sorted), in order."""
        return self.training_chunks(rows, chunk_rows, shuffle=False, rng=None)


class InMemoryRows(_RowSource):
    """The rows of a NumPy array, gathered a chunk at a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    """

    def __init__(self, X):
        self.X = X
        self.n_samples, self.n_features = X.shape
        self._holds_nan = None

    @property
    def holds_nan(self):
        """Whether some entry is NaN (missing); looked at once."""
        if self._holds_nan is None:
            self._holds_nan = bool(np.isnan(self.X).any())
        return self._holds_nan

    def column_ranges(self):
        """Each column's minimum and maximum over its observed (not NaN) entries."""
        if self.holds_nan:
            return np.nanmin(self.X, axis=0), np.nanmax(self.X, axis=0)
        return self.X.min(axis=0), self.X.max(axis=0)

    def gatherable(self, scratch):
        """These rows: an array in memory is gathered from in place (see :meth:`StreamedRows.gatherable`)."""
        return self

    def gather(self, indices):
        """The rows at ``indices``, in any order, as an array."""
        return self.X[indices]

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, float32 rows)`` of ``rows``, in a random order if ``shuffle``."""
        order = rng.permutation(rows) if shuffle else rows
        for start in range(0, len(order), chunk_rows):
            picked = order[start : start + chunk_rows]
            yield picked, np.asarray(self.X[picked], dtype=np.float32)


class SparseRows(_RowSource):
    """The rows of a SciPy sparse matrix or array, made dense a chunk at a time.

    Parameters
    ----------
    X : sparse matrix or array of shape (n_samples, n_features)
        Converted to CSR once (a copy of its stored values only) unless it
        is CSR already, so that rows can be picked.
    """

    def __init__(self, X):
        self.X = X if X.format == "csr" else X.tocsr()
        self.n_samples, self.n_features = X.shape

    @property
    def holds_nan(self):
        """Whether a stored value is NaN (which the fit refuses: missing values are taken in dense rows only)."""
        return bool(np.isnan(self.X.data).any())

    def column_ranges(self):
        """Each column's minimum and maximum, its implicit zeros counted."""
        return tuple(np.ravel(extreme(axis=0).toarray()) for extreme in (self.X.min, self.X.max))

    def gatherable(self, scratch):
        """These rows: rows of a CSR matrix are gathered from in place (see :meth:`StreamedRows.gatherable`)."""
        return self

    def gather(self, indices):
        """The rows at ``indices``, in any order, made dense."""
        return self.X[indices].toarray()

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, dense float32 rows)`` of ``rows``, in a random order if ``shuffle``."""
        order = rng.permutation(rows) if shuffle else rows
        for start in range(0, len(order), chunk_rows):
            picked = order[start : start + chunk_rows]
            yield picked, self.X[picked].toarray().astype(np.float32, copy=False)


class StreamedRows(_RowSource):
    """The rows of an array-like too large for memory, read block by block.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Anything sliced by ``X[start:stop]`` into an array (memmap, h5py,
        Zarr) or into a Dask array, which is computed.
    """

    # Values are checked block by block as they are read: NaN is refused there.
    holds_nan = False

    def __init__(self, X):
        self.X = X
        self.n_samples, self.n_features = (int(n) for n in X.shape)
        self.dtype = np.dtype(X.dtype)
        self.block_rows = rows_per_block(self.n_features)

    def read(self, start, stop):
        """Rows ``start:stop`` as a NumPy array.

        Raises
        ------
        ValueError
            When the data's shape or dtype is no longer what it was when the
            source was made (another process wrote to the file meanwhile).
        """
        now = (tuple(int(n) for n in self.X.shape), np.dtype(self.X.dtype))
        if now != ((self.n_samples, self.n_features), self.dtype):
            raise ValueError(
                f"X changed during the fit: it held {self.n_samples} x {self.n_features} {self.dtype} values, "
                f"it now holds {now[0][0]} x {now[0][1]} {now[1]}; fit on data nothing writes to meanwhile."
            )
        block = self.X[start:stop]
        if is_dask_array(block):
            block = block.compute()
        return np.asarray(block)

    def blocks(self):
        """Yield ``(start, block)`` for each block of rows, in order."""
        for start in range(0, self.n_samples, self.block_rows):
            yield start, self.read(start, min(start + self.block_rows, self.n_samples))

    def _rows_by_block(self, rows):
        """Split sorted ``rows`` into ``(start, stop, rows in [start, stop))``."""
        edges = np.arange(0, self.n_samples + self.block_rows, self.block_rows)
        cuts = np.searchsorted(rows, edges)
        for i in range(len(edges) - 1):
            if cuts[i] < cuts[i + 1]:
                start = int(edges[i])
                yield start, min(start + self.block_rows, self.n_samples), rows[cuts[i] : cuts[i + 1]]

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, float32 rows)`` of ``rows`` (sorted), block by block.

        With ``shuffle``, the blocks come in a random order and the rows of
        each block in a random order. ``chunk_rows`` is not used: a block is
        already bounded in bytes.
        """
        pieces = list(self._rows_by_block(rows))
        if shuffle and len(pieces) > 1:
            pieces = [pieces[i] for i in rng.permutation(len(pieces))]
        for start, stop, block_rows in pieces:
            picked = rng.permutation(block_rows) if shuffle else block_rows
            yield picked, np.asarray(self.read(start, stop)[picked - start], dtype=np.float32)

    def column_ranges(self, also=None):
        """Validate every block and return each column's minimum and maximum.

        Parameters
        ----------
        also : callable, default=None
            Called with each validated block in order, in the same pass (the
            PCA start's incremental statistics, say).

        Raises
        ------
        ValueError
            For a block with NaN or infinite values, or not numeric.
        """
        low = high = None
        for _, block in self.blocks():
            block = check_block(block)
            if also is not None:
                also(block)
            block_low, block_high = block.min(axis=0), block.max(axis=0)
            low = block_low if low is None else np.minimum(low, block_low)
            high = block_high if high is None else np.maximum(high, block_high)
        return low, high

    def gatherable(self, scratch):
        """Rows that partners can be gathered from by index: these, or a float32 copy on disk.

        A C-ordered float32 memmap is gathered from in place. Other data
        (h5py, Zarr, Dask, a memmap of another dtype) is written once, block
        by block, to a float32 ``.npy`` file in a temporary directory that
        ``scratch`` (a :class:`contextlib.ExitStack`) removes when it
        closes, mapped into memory: a sorted gather of a chunk's partners
        then reads the page cache while the file fits in memory, and the
        disk beyond.
        """
        if isinstance(self.X, np.memmap) and self.X.dtype == np.float32 and self.X.flags.c_contiguous:
            return self
        directory = scratch.enter_context(tempfile.TemporaryDirectory(prefix="skautoencoder-"))
        path = os.path.join(directory, "rows.npy")
        copy = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(self.n_samples, self.n_features))
        for start, block in self.blocks():
            copy[start : start + len(block)] = block
        copy.flush()
        del copy
        return StreamedRows(np.load(path, mmap_mode="r"))

    def gather(self, indices):
        """The rows at ``indices``, in any order, read in sorted order (of a source :meth:`gatherable` gave)."""
        return gathered_rows(self.X, indices)


class LabeledRows(_RowSource):
    """Rows of another source, each followed by its label as one more column.

    Parameters
    ----------
    rows : row source
    labels : ndarray of shape (n_samples,)
        Integer class indices, -1 where the label is unknown.
    """

    def __init__(self, rows, labels):
        self.rows = rows
        self.labels = np.asarray(labels, dtype=np.float32)
        self.n_samples = rows.n_samples
        self.n_features = rows.n_features + 1

    def indexed_training_chunks(self, rows, chunk_rows, shuffle, rng):
        """Yield ``(row indices, float32 arrays [row, label])`` of ``rows``, in a random order if ``shuffle``."""
        for picked, chunk in self.rows.indexed_training_chunks(rows, chunk_rows, shuffle, rng):
            yield picked, np.hstack([chunk, self.labels[picked, None]])


def rows_of(X):
    """The :class:`InMemoryRows`, :class:`SparseRows` or :class:`StreamedRows` reading an array ``X``.

    A fit decides this once, for the validated rows, in
    :func:`~skautoencoder._data_checks.validated_rows`.
    """
    if is_sparse(X):
        return SparseRows(X)
    return StreamedRows(X) if is_streamed(X) else InMemoryRows(X)


def gathered_rows(X, indices):
    """``X[indices]`` for indices in any order, read in sorted order (a memmap's pages once each)."""
    wanted, where = np.unique(indices, return_inverse=True)
    return X[wanted][where.ravel()]


def mean_column_variance(source, rows):
    """The mean of the columns' variances over ``rows`` of a row source; 1.0 for constant data.

    Data counts as constant when its spread is below float32's resolution of
    its values (a variance under 1e-14 of their mean square): the variance of
    constant columns is rounding noise, and the terms divided by its root
    diverged.
    """
    if isinstance(source, InMemoryRows):
        rows_in_memory = np.asarray(source.X[rows], dtype=np.float64)
        mean = rows_in_memory.mean(axis=0)
        variance = float(np.mean(np.var(rows_in_memory, axis=0)))
    else:
        mean, variance = _column_moments(source, rows)
        variance = float(np.mean(variance))
    mean_square = float(np.mean(np.square(mean))) + variance
    return variance if variance > 1e-14 * mean_square else 1.0


def _column_moments(source, rows):
    """Each column's mean and variance over ``rows`` of ``source``, in float64, in one pass.

    Each chunk's mean and sum of squared deviations are merged into the
    running ones (Chan, Golub and LeVeque's pairwise update), which is as
    stable as two passes: one for the mean, one for the deviations.
    """
    count, mean, squares = 0, np.zeros(source.n_features), np.zeros(source.n_features)
    for chunk in source.chunks(rows, rows_per_block(source.n_features)):
        chunk = chunk.astype(np.float64)
        chunk_mean = chunk.sum(axis=0) / len(chunk)
        total = count + len(chunk)
        shift = chunk_mean - mean
        squares += np.square(chunk - chunk_mean).sum(axis=0) + np.square(shift) * (count * len(chunk) / total)
        mean = mean + shift * (len(chunk) / total)
        count = total
    return mean, squares / count
