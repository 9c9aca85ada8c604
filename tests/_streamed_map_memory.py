"""Fit a map on rows read from disk and print the fit's peak anonymous memory.

Run as a script: ``python _streamed_map_memory.py RAW_FILE N_ROWS N_FEATURES
KIND``. RAW_FILE holds N_ROWS x N_FEATURES float32 values, read as a NumPy
memmap or, with KIND ``h5py``, as an HDF5 dataset stored externally in the
same file (whose partners are then gathered from a float32 copy on disk).
After TensorFlow has started (a small warm-up fit), one epoch of the
neighbourhood term is fitted and one JSON object printed: the peak anonymous
memory the fit added (heap, not file pages) and how the graph was found.
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
from _memory import AnonymousPeak, status_mb  # noqa: E402

SETTINGS = dict(n_components=2, hidden_layer_sizes=(32,), batch_size=256, epochs=1, random_state=0)


def main(path, n_rows, n_features, kind):
    import h5py

    from skautoencoder import AutoencoderTransformer

    AutoencoderTransformer(**SETTINGS).fit(np.random.RandomState(0).rand(3000, n_features).astype(np.float32))
    if kind == "h5py":
        h5_path = f"{path}.h5"
        with h5py.File(h5_path, "w") as file:
            file.create_dataset(
                "X", shape=(n_rows, n_features), dtype=np.float32, external=[(path, 0, n_rows * n_features * 4)]
            )
        X = h5py.File(h5_path, "r")["X"]
    else:
        X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, n_features))
    before = status_mb("RssAnon")
    peak = AnonymousPeak()
    model = AutoencoderTransformer(**SETTINGS).fit(X)
    print(json.dumps({"added_mb": peak.stop() - before, "graph": model.neighbor_graph_}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
