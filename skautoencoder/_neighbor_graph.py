"""The neighbour graph of the training rows.

A neighbourhood-preserving fit (``neighbor_weight > 0``) trains on each row
paired with one of its nearest training rows (see
:mod:`skautoencoder._paired_rows`); this module finds them.

The graph is exact up to :data:`EXACT_MAX_ROWS` training rows. Above, where
the exact graph's cost grows with the square of the rows, it is approximate,
and the share of the true neighbours it found is measured on a sample of
rows. Rows in memory are searched with a hierarchical navigable small-world
index (faiss's ``IndexHNSWFlat``), built block by block and asked cluster by
cluster of a k-means partition, which keeps the parts of the index each
search reads in the processor's caches. Rows on disk (a memmap, or the
float32 copy that data read block by block is paired from) are searched
without a copy of them in memory: each row's neighbours are the exact nearest
among the training rows listed under its k-means cluster (each training row
is listed under its few nearest centres), read from disk a cluster at a
time. ``benchmarks/bench_neighbor_graph.py`` and
``benchmarks/bench_scale_maps.py`` measured the choices and the size at
which the approximate graph takes over.
"""

import time
from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from ._data_sources import (
    SparseRows,
    gathered_rows,
    index_dtype,
    rows_per_block,
)

# Above this many training rows the graph is approximate (see the module's
# docstring): the exact graph costs about 6 s at 20,000 rows of 784 values on
# 2 cores, and four times that at twice the rows.
EXACT_MAX_ROWS = 20_000
# Up to this many dense training rows, the exact graph compares each row
# with every training row in NumPy instead of asking a ``NearestNeighbors``
# index, whose set-up dominates on small data; above, neither is reliably
# faster (``benchmarks/bench_small_graph.py``, the same graphs each way:
# 0.84 against 1.98 ms for 256 training rows of 20 columns, 2.7 against 6.2
# for 400, 7.8 against 9.4 for 800; 10.8 against 6.9 for 1,000, 51 against
# 29 for 3,276).
SEARCHED_MAX_ROWS = 800
# The approximate index: links per row, and the breadth of its searches while
# it is built and when it is asked (faiss's M, efConstruction and efSearch).
# Halving them from 32, 100 and 64 (faiss alone on bench_scale_maps.py's
# patches, with the recall measured as here) halved the graph's time at 60,000 x 784
# (25.5 s to 12.3 s) for a recall of 0.955 instead of 0.990, and at
# 1,000,000 x 64 (242 s to 111 s; recall 0.87 instead of 0.93), with maps
# as good (the user guide, "Maps at scale").
HNSW_LINKS = 16
HNSW_BUILD_BREADTH = 40
HNSW_SEARCH_BREADTH = 32
# Rows per cluster of the k-means partitions (the order the index is asked
# about rows in, see ``_locality_order``; the clusters searched on disk, see
# ``_clustered_graph``), and sampled rows per cluster to find the clusters.
ROWS_PER_CLUSTER = 1000
SAMPLED_ROWS_PER_CLUSTER = 64
# On disk, each training row is listed under this many of its nearest
# k-means centres, and a cluster's rows are searched among the rows listed
# under it. On bench_scale_maps.py's 100,000 x 64 patches and 160,000 x 256
# rows of an 8-D manifold (the streamed map of tests/test_streaming.py), searching
# each row's own cluster and the 3 whose centres are nearest it, each row
# listed once, found 0.956 and 0.656 of the exact neighbours in 16.9 s and
# 26.4 s; listed under 4 centres, its own cluster alone gave 0.952 and
# 0.906 in 15.4 s and 27.9 s (under 6: 0.972 and 0.961 in 18.4 s and
# 35.6 s). Those times compared rows in float32; in float64, as kept (see
# ``_searching_rows``), listed under 4 took 17.9 s and 27.2 s.
LISTED_UNDER = 4
# Training rows whose exact neighbours measure the approximate graph's recall.
RECALL_SAMPLE = 200


@dataclass
class NeighborGraph:
    """Each row's nearest training rows, and how they were found.

    Attributes
    ----------
    neighbors : ndarray of shape (n_samples, k)
        Row ``i`` lists the neighbours of row ``i``, nearest first; rows in
        neither the training nor the validation rows keep their own index.
    method : {"exact", "approximate"}
    search : {"exact", "hnsw", "nearest clusters"}
        How the neighbours were searched: among every training row; with
        faiss's HNSW index of the rows in memory; or, for rows on disk,
        among the rows listed under each row's k-means cluster.
    recall : float
        The share of each sampled training row's ``k`` exact neighbours
        that the graph lists, averaged (1.0 for the exact graph).
    seconds : float
        Wall time of building the graph (and of measuring its recall).
    """

    neighbors: np.ndarray
    method: str
    search: str
    recall: float
    seconds: float

    def summary(self):
        """What a fitted estimator reports of the graph (``neighbor_graph_``)."""
        return {
            "method": self.method,
            "search": self.search,
            "n_neighbors": int(self.neighbors.shape[1]),
            "recall": float(self.recall),
            "seconds": float(self.seconds),
        }


def neighbor_graph(source, train_rows, validation_rows, n_neighbors, *, exact_max_rows=EXACT_MAX_ROWS):
    """Each row's nearest training rows (Euclidean), as row indices of ``source``.

    Parameters
    ----------
    source : row source
        Rows that can be gathered by index: an array or sparse matrix in
        memory, or a memmap (what a source's ``gatherable`` gives for any
        data; see :mod:`skautoencoder._data_sources`).
    train_rows : ndarray of int
        Sorted rows that a training row's neighbours are drawn from (itself
        excluded).
    validation_rows : ndarray of int or None
        Sorted rows that get neighbours among the training rows too, so that
        the validation loss measures the same objective.
    n_neighbors : int
        Neighbours per row; capped at the number of training rows minus one.
        With a single training row, each row is its own neighbour.
    exact_max_rows : int, default=EXACT_MAX_ROWS
        Above this many training rows, the graph is approximate: searched
        cluster by cluster when the rows are a memmap, else with an HNSW
        index.

    Returns
    -------
    NeighborGraph
    """
    started = time.perf_counter()
    k = max(1, min(n_neighbors, len(train_rows) - 1))
    neighbors = np.repeat(np.arange(source.n_samples, dtype=index_dtype(source.n_samples))[:, None], k, axis=1)
    method, search, recall = "exact", "exact", 1.0
    if len(train_rows) < 2:
        pass
    elif len(train_rows) <= exact_max_rows:
        _exact_graph(source, train_rows, validation_rows, k, neighbors)
    else:
        method = "approximate"
        if isinstance(getattr(source, "X", None), np.memmap):
            search = "nearest clusters"
            _clustered_graph(source, train_rows, validation_rows, k, neighbors)
        else:
            search = "hnsw"
            _approximate_graph(source, train_rows, validation_rows, k, neighbors)
        recall = measured_recall(source, train_rows, neighbors, RECALL_SAMPLE)
    return NeighborGraph(neighbors, method, search, recall, time.perf_counter() - started)


def with_labels(graph, source, train_rows, validation_rows, labels, n_neighbors):
    """``graph`` with each labelled row's neighbours found among the training rows of its label.

    Unlabelled rows (-1) keep theirs. A class of fewer training rows than
    neighbours repeats its rows in the list; a class of one training row
    leaves its rows' neighbours as they were.
    """
    neighbors = graph.neighbors
    k = neighbors.shape[1]
    for label in np.unique(labels[labels >= 0]):
        train_of_label = train_rows[labels[train_rows] == label]
        validation_of_label = None if validation_rows is None else validation_rows[labels[validation_rows] == label]
        if len(train_of_label) < 2:
            continue
        found = neighbor_graph(source, train_of_label, validation_of_label, n_neighbors).neighbors
        labelled = (
            train_of_label if validation_of_label is None else np.concatenate([train_of_label, validation_of_label])
        )
        neighbors[labelled] = found[labelled][:, np.arange(k) % found.shape[1]]
    return graph


def _exact_graph(source, train_rows, validation_rows, k, neighbors):
    """Fill ``neighbors`` with the exact graph; the training rows are read into memory.

    Up to ``SEARCHED_MAX_ROWS`` dense training rows are compared with every
    query directly (:func:`_searching_rows`); more, or sparse rows, are
    indexed by scikit-learn's ``NearestNeighbors``.
    """
    indexed = _rows_in_memory(source, train_rows)
    if isinstance(source, SparseRows):
        squared_norms = np.asarray(indexed.multiply(indexed).sum(axis=1), dtype=np.float64)
    else:
        squared_norms = np.square(indexed, dtype=np.float64).sum(axis=1)
    grid = _distance_grid(float(np.mean(squared_norms)))
    # Each training row is its own nearest training row: it is listed first
    # and dropped (a duplicate of it, as good a neighbour, may stand in).
    own = np.arange(len(train_rows))
    if isinstance(source, SparseRows) or len(train_rows) > SEARCHED_MAX_ROWS:
        index = NearestNeighbors().fit(indexed)

        def searcher(queries):
            return _asking_index(index, indexed if queries is None else queries)

    else:
        indexed = np.asarray(indexed, dtype=np.float64)

        def searcher(queries):
            return _searching_rows(indexed, own if queries is None else np.asarray(queries, dtype=np.float64))

    found = _nearest(searcher(None), len(own), len(own), k + 1, grid, own)
    neighbors[train_rows] = train_rows[found[:, 1:]]
    if validation_rows is not None and len(validation_rows):
        queries = _rows_in_memory(source, validation_rows)
        found = _nearest(searcher(queries), len(validation_rows), len(own), k, grid)
        neighbors[validation_rows] = train_rows[found]


def _rows_in_memory(source, rows):
    """``rows`` of ``source`` as an array of its own dtype and sparsity (a memmap's pages of those rows alone)."""
    return source.X[rows]


def _distance_grid(mean_squared_norm):
    """What squared distances are rounded to before they are compared (see :func:`_nearest`)."""
    return 1e-9 * max(mean_squared_norm, 1e-300)


def _nearest(candidates_of, n_queries, n_indexed, k, grid, own=None):
    """The ``k`` nearest of ``n_indexed`` indexed rows for each of ``n_queries`` queries, alike on any thread count.

    ``candidates_of(pending, n)`` gives the squared distances (float64) and
    positions of ``n`` indexed rows nearest each query of ``pending`` (their
    positions), as :func:`_asking_index` and :func:`_searching_rows` do. The distances come from a matrix
    product whose rounding depends on how BLAS splits it between threads,
    so two nearly equal distances could swap and a seeded fit change with
    the number of threads. Squared distances are therefore rounded to
    ``grid``, far coarser than that rounding (1e-9 of the rows' mean squared
    norm), and ties broken by position; where ties reach past the candidates
    asked for, more are asked. ``own`` gives each query's own indexed row,
    listed first.
    """
    found = np.empty((n_queries, k), dtype=np.int64)
    pending = np.arange(n_queries)
    n_candidates = min(k + 8, n_indexed)
    while len(pending):
        squared_distances, candidates = candidates_of(pending, n_candidates)
        keys = np.round(squared_distances / grid)
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


def _asking_index(index, queries):
    """``candidates_of`` for :func:`_nearest`: a fitted ``NearestNeighbors`` asked about ``queries``."""

    def candidates_of(pending, n):
        distances, candidates = index.kneighbors(queries[pending], n_neighbors=n)
        return np.square(distances, dtype=np.float64), candidates

    return candidates_of


def _searching_rows(indexed, queries):
    """``candidates_of`` for :func:`_nearest`: float64 rows in memory, each compared with every query.

    ``queries`` are rows, or positions of indexed rows (integers). (Candidates
    picked by float32 products, only ranked in float64, changed with the
    thread count: float32 rounding, a hundred times the grid of
    :func:`_nearest`, reorders rows at nearly equal distances.)
    """
    indexed_norms = np.square(indexed).sum(axis=1)
    positions = np.issubdtype(queries.dtype, np.integer)

    def candidates_of(pending, n):
        candidates = np.empty((len(pending), n), dtype=np.int64)
        squared_distances = np.empty((len(pending), n))
        step = max(1, 2**19 // len(indexed))  # queries whose distances to every indexed row take 4 MB
        for start in range(0, len(pending), step):
            asked = queries[pending[start : start + step]]
            asked = indexed[asked] if positions else np.asarray(asked, dtype=np.float64)
            distances = asked @ indexed.T
            distances *= -2
            distances += indexed_norms
            distances += np.square(asked).sum(axis=1)[:, None]
            if n < len(indexed):
                among = np.argpartition(distances, n - 1, axis=1)[:, :n]
                distances = np.take_along_axis(distances, among, axis=1)
            else:
                among = np.broadcast_to(np.arange(len(indexed)), distances.shape)
            candidates[start : start + step] = among
            squared_distances[start : start + step] = distances
        return squared_distances, candidates

    return candidates_of


def _approximate_graph(source, train_rows, validation_rows, k, neighbors):
    """Fill ``neighbors`` from an HNSW index of the training rows, built and asked block by block.

    faiss's index is built the same way under any number of threads, and
    its level generator has a fixed seed, so the graph depends on the rows
    alone.
    """
    import faiss

    index = faiss.IndexHNSWFlat(source.n_features, HNSW_LINKS)
    index.hnsw.efConstruction = HNSW_BUILD_BREADTH
    chunk_rows = rows_per_block(source.n_features)
    for chunk in source.chunks(train_rows, chunk_rows):
        index.add(np.ascontiguousarray(chunk, dtype=np.float32))
    index.hnsw.efSearch = max(HNSW_SEARCH_BREADTH, k + 1)
    # The index numbers the training rows 0, 1, ... in order; it is asked
    # about them in a k-means cluster order.
    asked = _locality_order(source, train_rows)
    start = 0
    for chunk in _chunks_in_order(source, train_rows[asked], chunk_rows):
        own = asked[start : start + len(chunk)]
        _, found = index.search(np.ascontiguousarray(chunk, dtype=np.float32), k + 1)
        found = np.where(found < 0, own[:, None], found)  # fewer results than asked: the row itself
        # Each row's own entry (wherever it is listed) goes last and is cut;
        # a row that did not find itself loses its farthest neighbour instead.
        order = np.argsort(found == own[:, None], axis=1, kind="stable")
        neighbors[train_rows[own]] = train_rows[np.take_along_axis(found, order, axis=1)[:, :k]]
        start += len(chunk)
    if validation_rows is not None and len(validation_rows):
        start = 0
        for chunk in source.chunks(validation_rows, chunk_rows):
            _, found = index.search(np.ascontiguousarray(chunk, dtype=np.float32), k)
            queries = validation_rows[start : start + len(chunk)]
            neighbors[queries] = np.where(found < 0, queries[:, None], train_rows[np.maximum(found, 0)])
            start += len(chunk)


def _locality_order(source, rows):
    """An order of ``rows`` (positions into it) that keeps rows of one k-means cluster together.

    Asking the index about rows in this order keeps the parts of it that
    consecutive searches read in the processor's caches: at 1,000,000 x 64
    the searches took 35 s instead of 49 s, with the same results. (Building
    the index in this order too saved 11 s more there, but cost recall on
    wide rows: 0.882 instead of 0.955 at 60,000 x 784.)
    """
    kmeans = _kmeans_of(source, rows)
    if kmeans is None:
        return np.arange(len(rows))
    return np.argsort(_clusters_of(source, rows, kmeans)[0][:, 0], kind="stable")


def _kmeans_of(source, rows):
    """A seeded faiss k-means of a fixed sample of ``rows``, a cluster per :data:`ROWS_PER_CLUSTER` rows.

    None for fewer than two clusters.
    """
    import faiss

    n_clusters = len(rows) // ROWS_PER_CLUSTER
    if n_clusters < 2:
        return None
    n_sampled = min(len(rows), SAMPLED_ROWS_PER_CLUSTER * n_clusters)
    sampled = np.sort(np.random.RandomState(0).choice(rows, n_sampled, replace=False))
    kmeans = faiss.Kmeans(source.n_features, n_clusters, niter=8, seed=0, verbose=False)
    kmeans.train(np.ascontiguousarray(_rows_in_memory(source, sampled), dtype=np.float32))
    return kmeans


def _clusters_of(source, rows, kmeans, n_nearest=1):
    """Each of ``rows``' ``n_nearest`` nearest k-means centres (nearest first), and the rows' mean squared norm.

    The distances are float64 and rounded as in :func:`_nearest`, ties going
    to the lower centre, so that the clusters are the same under any thread
    count (faiss's float32 search of the centres put 14 of 60,000 rows of
    784 values under another fourth-nearest centre with one thread).
    """
    clusters = np.zeros((len(rows), n_nearest), dtype=np.int32)
    squared_norms = 0.0
    if kmeans is not None:
        centres = kmeans.centroids.astype(np.float64)
        centre_norms = np.square(centres).sum(axis=1)
        grid = _distance_grid(float(np.mean(centre_norms)))
        step = max(1, 2**21 // len(centres))  # rows whose distances to the centres take 16 MB
    start = 0
    for chunk in source.chunks(rows, rows_per_block(source.n_features)):
        chunk = np.asarray(chunk, dtype=np.float64)
        squared_norms += float(np.square(chunk).sum())
        for part in range(0, len(chunk) if kmeans is not None else 0, step):
            # A row's own squared norm is the same for every centre: left out.
            keys = np.round((centre_norms - 2 * chunk[part : part + step] @ centres.T) / grid)
            if n_nearest < len(centres):
                nearest = np.argpartition(keys, n_nearest - 1, axis=1)[:, :n_nearest]
            else:
                nearest = np.broadcast_to(np.arange(len(centres)), keys.shape)
            order = np.lexsort((nearest, np.take_along_axis(keys, nearest, axis=1)), axis=-1)
            clusters[start + part : start + part + len(keys)] = np.take_along_axis(nearest, order, axis=1)
        start += len(chunk)
    return clusters, squared_norms / max(1, len(rows))


def _clustered_graph(source, train_rows, validation_rows, k, neighbors):
    """Fill ``neighbors`` with each row's nearest training rows among those listed under its k-means cluster.

    The clusters are those of :func:`_locality_order`. Each training row is
    listed under its :data:`LISTED_UNDER` nearest centres, and asked about,
    with the validation rows, under its nearest: a cluster's rows are asked
    about together, among the training rows listed under it (and under the
    clusters whose centres are nearest its centre, while they are fewer
    than ``k + 1``), read by index in sorted order. Rows near a cluster's
    border are thus searched among their neighbours across it. The memory
    held beyond the graph is the lists (``LISTED_UNDER`` integers per row)
    and one cluster's rows, whatever the number of rows.
    """
    kmeans = _kmeans_of(source, train_rows)
    n_listed = 1 if kmeans is None else min(LISTED_UNDER, kmeans.k)
    train_clusters, mean_squared_norm = _clusters_of(source, train_rows, kmeans, n_listed)
    grid = _distance_grid(mean_squared_norm)
    centres = np.zeros((1, source.n_features)) if kmeans is None else kmeans.centroids.astype(np.float64)
    listed = _members(train_clusters, len(centres))
    asked = [(train_rows, _members(train_clusters[:, :1], len(centres)), k + 1)]
    del train_clusters
    if validation_rows is not None and len(validation_rows):
        validation_clusters = _clusters_of(source, validation_rows, kmeans)[0]
        asked.append((validation_rows, _members(validation_clusters, len(centres)), k))
    listed_sizes = np.array([len(of_cluster) for of_cluster in listed])
    for cluster in range(len(centres)):
        if not any(len(members[cluster]) for _, members, _ in asked):
            continue
        searched_clusters = [cluster]
        if listed_sizes[cluster] < k + 1:  # too few rows: those of the nearest centres too
            centre_distances = np.square(centres - centres[cluster]).sum(axis=1)
            centre_distances[cluster] = -1.0  # its own first
            by_distance = np.argsort(centre_distances, kind="stable")
            searched_clusters = by_distance[: np.searchsorted(np.cumsum(listed_sizes[by_distance]), k + 1) + 1]
        searched = np.unique(np.concatenate([listed[c] for c in searched_clusters]))
        indexed = np.asarray(_rows_in_memory(source, train_rows[searched]), dtype=np.float64)
        for rows, members, n_found in asked:
            positions = members[cluster]
            if not len(positions):
                continue
            if rows is train_rows:  # each asks among rows that include itself, listed first and dropped
                own = np.searchsorted(searched, positions)
                found = _nearest(_searching_rows(indexed, own), len(own), len(indexed), n_found, grid, own)
                found = found[:, 1:]
            else:
                queries = np.asarray(_rows_in_memory(source, rows[positions]), dtype=np.float64)
                found = _nearest(_searching_rows(indexed, queries), len(queries), len(indexed), n_found, grid)
            neighbors[rows[positions]] = train_rows[searched[found]]


def _members(clusters, n_clusters):
    """The positions listed under each cluster, in increasing order, from each position's clusters (a column each)."""
    positions = np.repeat(np.arange(len(clusters), dtype=index_dtype(len(clusters))), clusters.shape[1])
    clusters = clusters.ravel()
    order = np.argsort(clusters, kind="stable")
    bounds = np.searchsorted(clusters[order], np.arange(n_clusters + 1))
    return [positions[order[bounds[c] : bounds[c + 1]]] for c in range(n_clusters)]


def _chunks_in_order(source, rows, chunk_rows):
    """Yield float32 arrays of ``rows`` in the order given (not sorted), ``chunk_rows`` at a time.

    Each chunk's rows are read in sorted order (a memmap's pages once each).
    """
    if np.all(rows[1:] > rows[:-1]):
        yield from source.chunks(rows, chunk_rows)
        return
    for start in range(0, len(rows), chunk_rows):
        yield np.asarray(gathered_rows(source.X, rows[start : start + chunk_rows]), dtype=np.float32)


def measured_recall(source, train_rows, neighbors, n_sampled):
    """The share of sampled training rows' exact neighbours that ``neighbors`` lists.

    The exact neighbours of up to ``n_sampled`` training rows (a fixed
    sample, so the figure depends on the data alone) are found in one pass
    over the training rows.
    """
    k = neighbors.shape[1]
    sampled = np.sort(np.random.RandomState(0).choice(train_rows, min(n_sampled, len(train_rows)), replace=False))
    queries = _rows_in_memory(source, sampled).astype(np.float64)
    query_norms = np.square(queries).sum(axis=1)
    best = np.full((len(sampled), 0), np.inf), np.empty((len(sampled), 0), dtype=np.int64)
    start = 0
    step = max(1, 2**21 // len(sampled))  # training rows whose distances to the sample take 16 MB
    for block in source.chunks(train_rows, rows_per_block(source.n_features)):
        for chunk in np.split(block, range(step, len(block), step)):
            chunk = chunk.astype(np.float64)
            distances = query_norms[:, None] - 2 * queries @ chunk.T + np.square(chunk).sum(axis=1)
            ids = np.broadcast_to(train_rows[start : start + len(chunk)], distances.shape)
            distances = np.where(ids == sampled[:, None], np.inf, distances)  # a row is not its own neighbour
            distances, ids = np.hstack([best[0], distances]), np.hstack([best[1], ids])
            keep = np.argsort(distances, axis=1, kind="stable")[:, :k]
            best = np.take_along_axis(distances, keep, axis=1), np.take_along_axis(ids, keep, axis=1)
            start += len(chunk)
    found = neighbors[sampled]
    return float(np.mean([len(np.intersect1d(a, b)) / k for a, b in zip(found, best[1])]))
