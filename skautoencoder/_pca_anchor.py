"""The PCA that a PCA-anchored autoencoder starts from.

A PCA-anchored network (see :func:`skautoencoder._engine.networks.build_anchored_networks`)
computes its code as PCA's projection plus a non-linear correction and its
reconstruction as PCA's reconstruction plus another; the corrections start at
zero, so before training the network *is* this PCA. This module fits that
PCA on the rows given to ``fit`` (validation rows included), with
scikit-learn's :class:`~sklearn.decomposition.PCA` for an array in memory
or streamed data of a single block, and with
:class:`~sklearn.decomposition.IncrementalPCA`, block by block, for larger
data read from disk; and it gathers the column statistics the corrections
use to see their inputs on a common scale.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA, IncrementalPCA

from ._data_sources import InMemoryRows, SparseRows, StreamedRows, rows_per_block


@dataclass(frozen=True)
class PcaAnchor:
    """PCA's parameters and the column statistics of the rows it was fitted on.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
        Column means of those rows (PCA's ``mean_``).
    components : ndarray of shape (n_components, n_features)
        PCA's ``components_``; rows beyond the rank the data allow (more
        code units than features or rows) are zero.
    code_scale : ndarray of shape (n_components,)
        Standard deviation of each PCA code (the square root of PCA's
        ``explained_variance_``), 1 where it is zero.
    column_scale : ndarray of shape (n_features,)
        Standard deviation of each column, 1 for constant columns.
    """

    mean: np.ndarray
    components: np.ndarray
    code_scale: np.ndarray
    column_scale: np.ndarray


# Sparse rows are made dense for their PCA up to this many values (128 MB as
# float64): the same PCA as for the dense array. Beyond, see _sparse_statistics.
DENSE_PCA_MAX_VALUES = 2**24


def _nonzero_scale(scale, reference):
    """``scale`` with values negligible next to ``reference`` replaced by 1."""
    scale = np.asarray(scale, dtype=np.float64).copy()
    scale[~(scale > 1e-7 * np.maximum(reference, 1e-30))] = 1.0
    return scale


def anchor_rank(n_features, n_rows, n_components):
    """The components the anchor's PCA fits: at most the features, and the rows less one."""
    return max(0, min(n_components, n_features, n_rows - 1))


def fits_incrementally(source, n_rows, n_components):
    """Whether the anchor of ``n_rows`` of ``source`` is an IncrementalPCA fitted block by block.

    So it is for streamed data of more than one block, unless the PCA would
    have no component.
    """
    return (
        isinstance(source, StreamedRows)
        and source.n_samples > source.block_rows
        and anchor_rank(source.n_features, n_rows, n_components) > 0
    )


def fit_pca_anchor(source, rows, n_components, seed, incremental=None):
    """Fit the anchor's PCA on ``rows`` of ``source``.

    Parameters
    ----------
    source : InMemoryRows, SparseRows or StreamedRows
        The data (see :mod:`skautoencoder._data_sources`).
    rows : ndarray of int
        Sorted indices of the rows to fit the PCA on.
    n_components : int
        Code size. PCA gets at most ``min(n_features, n_rows - 1)``
        components; the other code units start with zero linear paths.
    seed : int
        ``random_state`` of the PCA (used only by its randomized solver).
    incremental : IncrementalStatistics, default=None
        Where the anchor :func:`fits_incrementally`, the statistics of
        every row of ``source`` already fed (in the pass that checked the
        data), else None to read them here.

    Returns
    -------
    PcaAnchor
    """
    n_features = source.n_features
    rank = anchor_rank(n_features, len(rows), n_components)
    sparse = isinstance(source, SparseRows)
    if sparse and len(rows) * n_features > DENSE_PCA_MAX_VALUES and 0 < rank < min(len(rows), n_features):
        mean, column_variance, pca = _sparse_statistics(source.X[rows], rank, seed)
    elif not fits_incrementally(source, len(rows), n_components):
        # In memory, streamed data of a single block, or a single row: one PCA.
        if sparse:
            X = source.X[rows].toarray()
        else:
            X = source.X[rows] if isinstance(source, InMemoryRows) else source.read(0, source.n_samples)[rows]
        X = np.asarray(X, dtype=np.float64)
        mean, column_variance = X.mean(axis=0), X.var(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):  # constant data: PCA's variance ratios are 0/0
            pca = PCA(rank, random_state=seed).fit(X) if rank else None
    else:
        if incremental is None:
            incremental = IncrementalStatistics(rank)
            for chunk in source.chunks(rows, rows_per_block(n_features)):
                incremental.add(chunk)
        mean, column_variance, pca = incremental.result()
    components = np.zeros((n_components, n_features))
    code_variance = np.zeros(n_components)
    if pca is not None:
        components[:rank] = pca.components_
        code_variance[:rank] = pca.explained_variance_
    column_scale = np.sqrt(np.maximum(column_variance, 0.0))
    code_scale = np.sqrt(np.maximum(code_variance, 0.0))
    # A component's spread is compared with the data's magnitude, not with the
    # other components': on constant columns every component's variance is
    # rounding noise, and dividing codes by its root made training diverge.
    data_magnitude = np.max(np.abs(mean) + column_scale, initial=0.0)
    return PcaAnchor(
        mean=mean,
        components=components,
        code_scale=_nonzero_scale(code_scale, np.maximum(code_scale.max(initial=0.0), data_magnitude)),
        column_scale=_nonzero_scale(column_scale, np.abs(mean) + column_scale),
    )


def _sparse_statistics(X, rank, seed):
    """Mean, variance and a PCA of ``rank`` components of a sparse ``X``, never made dense.

    scikit-learn's PCA with the ARPACK solver centres a sparse matrix
    implicitly (an operator, not a dense copy), so the anchor is the PCA of
    the centred rows, as for dense data; TruncatedSVD would not centre them.
    """
    X = X.astype(np.float64)
    mean = np.asarray(X.mean(axis=0)).ravel()
    column_variance = np.maximum(np.asarray(X.multiply(X).mean(axis=0)).ravel() - mean**2, 0.0)
    pca = PCA(rank, svd_solver="arpack", random_state=seed).fit(X)
    return mean, column_variance, pca


class IncrementalStatistics:
    """Mean, variance and an IncrementalPCA of ``rank`` >= 1 components of rows fed a block at a time.

    IncrementalPCA needs at least ``rank`` rows per call, so short blocks
    are joined to the next ones, and ``rank`` rows are always kept back for
    the last call. Each block is taken as float32, as training reads it.
    """

    def __init__(self, rank):
        self.rank = rank
        self.pca = IncrementalPCA(rank)
        self._batch = None
        self._result = None

    def add(self, block):
        """Feed the next block of rows, in order."""
        block = np.asarray(block, dtype=np.float32).astype(np.float64)
        self._batch = block if self._batch is None else np.concatenate([self._batch, block])
        if len(self._batch) >= 2 * self.rank:
            self.pca.partial_fit(self._batch[: -self.rank])
            self._batch = self._batch[-self.rank :]

    def result(self):
        """``(mean, variance, pca)`` of every row fed, once the last block is: the same at every call."""
        if self._result is None:
            self.pca.partial_fit(self._batch)
            # IncrementalPCA's running mean and variance are the numerically stable ones.
            self._result = self.pca.mean_, self.pca.var_, self.pca
        return self._result


def pca_squared_errors(pca, source, rows):
    """Each row's mean squared reconstruction error under the anchor's PCA, for ``rows`` of a row source."""

    def residual(chunk):
        centred = np.asarray(chunk, dtype=np.float64) - pca.mean
        return np.mean(np.square(centred - (centred @ pca.components.T) @ pca.components), axis=1)

    if isinstance(source, InMemoryRows):
        return residual(source.X[rows])
    return np.concatenate([residual(chunk) for chunk in source.chunks(rows, rows_per_block(source.n_features))])
