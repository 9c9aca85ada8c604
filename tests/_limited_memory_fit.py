"""Fit, transform and score data on disk in a process whose memory is capped.

Run as a script: ``python _limited_memory_fit.py RAW_FILE N_ROWS N_FEATURES
ALLOWANCE_MB``. RAW_FILE holds N_ROWS x N_FEATURES float32 values. After
TensorFlow has started (a small warm-up fit), the process's data segment is
capped with ``RLIMIT_DATA`` at its current size plus ALLOWANCE_MB: every
heap or anonymous allocation counts, file-backed read-only mappings do not.
The file is then read as a memmap, an HDF5 dataset (stored externally in the
same file) and a Dask array. Prints one JSON object with what it measured.
"""

import json
import pathlib
import resource
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
from _memory import AnonymousPeak, status_mb  # noqa: E402


def sources(path, n_rows, n_features, workdir):
    import dask.array as da
    import h5py

    memmap = np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, n_features))
    h5_path = f"{workdir}/external.h5"
    with h5py.File(h5_path, "w") as file:
        file.create_dataset(
            "X",
            shape=(n_rows, n_features),
            dtype=np.float32,
            external=[(path, 0, n_rows * n_features * 4)],
        )
    h5_file = h5py.File(h5_path, "r")
    yield "memmap", memmap
    yield "h5py", h5_file["X"]
    # (da.from_array copies a NumPy memmap whole, so Dask reads the HDF5 file.)
    yield "dask", da.from_array(h5_file["X"], chunks=(16384, n_features))


def main(path, n_rows, n_features, allowance_mb, workdir):
    from skautoencoder import AutoencoderTransformer

    settings = dict(
        n_components=8,
        hidden_layer_sizes=(32,),
        activation="tanh",
        output_activation="sigmoid",
        batch_size=4096,
        epochs=1,
        early_stopping=False,
        random_state=0,
    )
    AutoencoderTransformer(**settings).fit(np.random.RandomState(0).rand(5000, n_features))
    limit = int((status_mb("VmData") + allowance_mb) * 2**20)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    report = {"limit_mb": limit / 2**20, "data_mb": n_rows * n_features * 4 / 2**20, "sources": {}}
    try:  # the cap binds: loading the file whole fails
        np.fromfile(path, dtype=np.float32)
        report["whole_file_loaded"] = True
    except MemoryError:
        report["whole_file_loaded"] = False
    for name, X in sources(path, n_rows, n_features, workdir):
        peak = AnonymousPeak()
        start = time.perf_counter()
        autoencoder = AutoencoderTransformer(**settings).fit(X)
        fitted = time.perf_counter()
        codes = autoencoder.transform(X)  # lazy for Dask: reduced block by block below
        finite = np.isfinite(codes).all()
        finite = bool(finite.compute() if hasattr(finite, "compute") else finite)
        score = autoencoder.score(X)
        report["sources"][name] = {
            "fit_s": fitted - start,
            "transform_and_score_s": time.perf_counter() - fitted,
            "codes_shape": list(codes.shape),
            "codes_finite": finite,
            "score": score,
            "loss": autoencoder.loss_curve_[0],
            "peak_anonymous_mb": peak.stop(),
        }
        del autoencoder, codes  # before the next source
    report["peak_rss_mb"] = status_mb("VmHWM")
    report["vmdata_mb"] = status_mb("VmData")
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
