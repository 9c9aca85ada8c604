"""Fit a 2-D map on data on disk, in a fresh process, and measure its memory.

Run as a script: ``python _streamed_map_fit.py RAW_FILE N_ROWS N_FEATURES
WORKDIR``. RAW_FILE holds N_ROWS x N_FEATURES float32 values, more rows than
the exact neighbour graph takes. After TensorFlow and faiss have started (a
small warm-up map, then faiss's import), the file is read as an HDF5 dataset
(see ``_limited_memory_fit.py``): the map's partners are gathered from a
float32 copy on disk, and its neighbour graph searched there. Prints one
JSON object with what it measured: among it the fit's peak anonymous (heap)
memory, the heap that building the neighbour graph added at its peak, and
the peak of the arrays it allocated (traced by ``tracemalloc``, which NumPy
reports to: the same on every run, where the anonymous memory's peak also
counts what the allocator keeps and moved by up to 14 MB between runs of
the same rows).
"""

import json
import pathlib
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from _limited_memory_fit import AnonymousPeak, sources, status_mb  # noqa: E402


def measure_graph_heap(graph_heap_mb):
    """Make the fit append to ``graph_heap_mb`` the heap its neighbour graph added at its peak, and its arrays' peak."""
    from skautoencoder import _fitting

    build = _fitting.neighbor_graph

    def measured(*args, **kwargs):
        before, peak = status_mb("RssAnon"), AnonymousPeak()
        tracemalloc.start()
        try:
            return build(*args, **kwargs)
        finally:
            traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            graph_heap_mb.append((peak.stop() - before, traced_peak))

    _fitting.neighbor_graph = measured


def main(path, n_rows, n_features, workdir):
    from sklearn.decomposition import PCA
    from sklearn.manifold import trustworthiness

    from skautoencoder import AutoencoderTransformer

    settings = dict(
        n_components=2,
        neighbor_weight=1.0,
        hidden_layer_sizes=(32,),
        batch_size=1024,
        epochs=1,
        early_stopping=False,
        random_state=0,
    )
    AutoencoderTransformer(**settings).fit(np.random.RandomState(0).rand(2000, n_features))
    import faiss  # noqa: F401  (its libraries start as they load, as TensorFlow's did above)

    X = dict(sources(path, n_rows, n_features, workdir))["h5py"]
    report = {"data_mb": n_rows * n_features * 4 / 2**20}
    graph_heap_mb = []
    measure_graph_heap(graph_heap_mb)
    peak = AnonymousPeak()
    start = time.perf_counter()
    mapper = AutoencoderTransformer(**settings).fit(X)
    report["fit_s"] = time.perf_counter() - start
    report["peak_anonymous_mb"] = peak.stop()
    ((report["graph_heap_mb"], report["graph_arrays_mb"]),) = graph_heap_mb
    report["graph"] = mapper.neighbor_graph_
    sample = np.asarray(X[:2000])
    codes = mapper.transform(sample)
    report["codes_finite"] = bool(np.isfinite(codes).all())
    report["trustworthiness"] = float(trustworthiness(sample, codes, n_neighbors=5))
    report["pca_trustworthiness"] = float(trustworthiness(sample, PCA(2).fit_transform(sample), n_neighbors=5))
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
