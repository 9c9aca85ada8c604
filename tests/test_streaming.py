"""Data larger than memory: memmaps, HDF5, Zarr and Dask arrays stream through."""

import json
import pathlib
import shutil
import subprocess
import sys

import dask.array as da
import h5py
import numpy as np
import pytest
import zarr
from sklearn.datasets import load_digits

from skautoencoder import AutoencoderTransformer, _data_sources

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_scale import write_rows  # noqa: E402

# The reconstruction objective, whose fits on disk and in memory are compared
# exactly (the neighbourhood term's are compared in test_neighbors.py).
SETTINGS = dict(n_components=2, hidden_layer_sizes=(16,), epochs=4, batch_size=32, neighbor_weight=0.0, random_state=0)


@pytest.fixture(scope="module")
def digits():
    return (load_digits().data / 16).astype(np.float32)


def on_disk(X, kind, directory):
    """``X`` written to a file of ``kind`` and opened for reading, or as Dask."""
    if kind == "memmap":
        np.save(directory / "X.npy", X)
        return np.load(directory / "X.npy", mmap_mode="r")
    if kind == "h5py":
        with h5py.File(directory / "X.h5", "w") as file:
            file.create_dataset("X", data=X, chunks=(100, X.shape[1]))
        return h5py.File(directory / "X.h5", "r")["X"]
    if kind == "zarr":
        # open_array, not zarr 3's create_array: zarr 2 (on Python 3.10) has it too.
        array = zarr.open_array(
            str(directory / "X.zarr"), mode="w", shape=X.shape, dtype=X.dtype, chunks=(100, X.shape[1])
        )
        array[:] = X
        return zarr.open_array(directory / "X.zarr", mode="r")
    return da.from_array(X, chunks=(300, 32))


KINDS = ["memmap", "h5py", "zarr", "dask"]


def computed(result):
    return result.compute() if isinstance(result, da.Array) else result


def assert_same_rows(block_by_block, whole):
    """Results computed a block of rows at a time equal those of one call, to float32 rounding.

    A matrix product's rounding can depend on how many rows it multiplies at
    once (seen with NumPy 1.26's OpenBLAS: one element in a thousand, by one
    unit in the last place), so inference by blocks is compared with a
    tolerance; training, which reads the same rows in the same order, is
    compared exactly.
    """
    np.testing.assert_allclose(block_by_block, whole, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
def test_streamed_data_trains_exactly_like_the_array_in_memory(digits, kind, tmp_path):
    # The data fits in one block: the shuffle is the in-memory one, row for row.
    X = on_disk(digits, kind, tmp_path)
    in_memory = AutoencoderTransformer(**SETTINGS).fit(digits)
    streamed = AutoencoderTransformer(**SETTINGS).fit(X)
    assert streamed.n_features_in_ == 64
    assert streamed.loss_curve_ == in_memory.loss_curve_
    for ours, theirs in zip(streamed.encoder_.get_weights(), in_memory.encoder_.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert_same_rows(computed(streamed.transform(X)), in_memory.transform(digits))
    np.testing.assert_allclose(streamed.score(X), in_memory.score(digits), rtol=1e-9)


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 16 rows of 64 float32 features: digits spans 113 blocks."""
    monkeypatch.setattr(_data_sources, "BLOCK_BYTES", 16 * 64 * 4)
    assert _data_sources.rows_per_block(64) == 16


@pytest.mark.parametrize("kind", KINDS)
def test_many_blocks_give_the_results_of_the_array_in_memory(digits, kind, tmp_path, small_blocks):
    X = on_disk(digits, kind, tmp_path)
    autoencoder = AutoencoderTransformer(**SETTINGS).fit(digits)
    codes = computed(autoencoder.transform(X))
    assert_same_rows(codes, autoencoder.transform(digits))
    assert_same_rows(computed(autoencoder.score_samples(X)), autoencoder.score_samples(digits))
    codes_directory = tmp_path / "codes"
    codes_directory.mkdir()
    streamed_codes = on_disk(codes, kind, codes_directory)
    assert_same_rows(computed(autoencoder.inverse_transform(streamed_codes)), autoencoder.inverse_transform(codes))


@pytest.mark.slow  # trains to convergence twice per kind
@pytest.mark.parametrize("kind", ["memmap", "h5py"])
def test_block_shuffled_training_learns_as_well_as_in_memory(digits, kind, tmp_path, small_blocks):
    settings = dict(SETTINGS, epochs=30)
    X = on_disk(digits, kind, tmp_path)
    streamed = AutoencoderTransformer(**settings).fit(X)
    in_memory = AutoencoderTransformer(**settings).fit(digits)
    assert streamed.loss_curve_ != in_memory.loss_curve_  # blocks were visited in another order
    assert streamed.score(digits) > 1.1 * in_memory.score(digits)  # scores are negative errors
    again = AutoencoderTransformer(**settings).fit(X)
    assert again.loss_curve_ == streamed.loss_curve_  # and a seeded fit is still reproducible


@pytest.mark.slow  # two maps trained to convergence
def test_a_map_read_block_by_block_keeps_neighbours_as_well_as_in_memory(digits, tmp_path, small_blocks):
    from sklearn.manifold import trustworthiness

    # The map itself (neighbor_weight="auto" would also fit reconstruction alone on these 1,400 rows).
    settings = dict(n_components=2, hidden_layer_sizes=(64,), epochs=30, neighbor_weight=1.0, random_state=0)
    X_train, X_test = digits[:1400], digits[1400:]
    streamed = AutoencoderTransformer(**settings).fit(on_disk(X_train, "h5py", tmp_path))
    in_memory = AutoencoderTransformer(**settings).fit(X_train)
    assert streamed.neighbor_graph_["method"] == "exact"
    assert streamed.loss_curve_ != in_memory.loss_curve_  # 88 blocks, visited in another order
    held_out = [trustworthiness(X_test, model.transform(X_test), n_neighbors=5) for model in (streamed, in_memory)]
    assert held_out[0] > held_out[1] - 0.02, held_out


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_streamed_early_stopping_holds_out_rows(digits, tmp_path, small_blocks):
    X = on_disk(digits, "memmap", tmp_path)
    autoencoder = AutoencoderTransformer(
        **dict(SETTINGS, early_stopping=True, epochs=50, n_iter_no_change=3, tol=2e-3)
    ).fit(X)
    assert len(autoencoder.validation_loss_curve_) == autoencoder.n_iter_ < 50
    assert autoencoder.best_validation_loss_ == min(autoencoder.validation_loss_curve_)


def test_partial_fit_on_successive_chunks_is_one_epoch_of_fit(digits):
    # The random start: an anchored start would fit its PCA on the first chunk only.
    settings = dict(SETTINGS, epochs=1, shuffle=False, early_stopping=False, init="random")
    whole = AutoencoderTransformer(**settings).fit(digits)
    chunked = AutoencoderTransformer(**settings)
    for chunk in np.array_split(digits[:1792], 7):  # 256 rows: whole batches of 32
        chunked.partial_fit(chunk)
    chunked.partial_fit(digits[1792:])
    for ours, theirs in zip(chunked.encoder_.get_weights(), whole.encoder_.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_dask_input_gives_lazy_dask_output(digits):
    autoencoder = AutoencoderTransformer(**SETTINGS).fit(digits)
    X = da.from_array(digits, chunks=(500, 64))
    codes = autoencoder.transform(X)
    assert isinstance(codes, da.Array) and codes.shape == (1797, 2) and codes.dtype == np.float32
    assert codes.chunks[0] == X.chunks[0]
    reconstruction = autoencoder.inverse_transform(codes)
    assert isinstance(reconstruction, da.Array) and reconstruction.shape == (1797, 64)
    assert_same_rows(reconstruction.compute(), autoencoder.inverse_transform(codes.compute()))


@pytest.mark.parametrize("kind", ["h5py", "dask"])
def test_a_bad_value_in_a_later_block_is_refused_and_nothing_changes(digits, kind, tmp_path, small_blocks):
    bad = digits.copy()
    bad[1500, 3] = np.nan
    autoencoder = AutoencoderTransformer(**SETTINGS).fit(digits)
    before = autoencoder.transform(digits)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        autoencoder.fit(on_disk(bad, kind, tmp_path))
    np.testing.assert_array_equal(autoencoder.transform(digits), before)
    (tmp_path / "again").mkdir()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        computed(autoencoder.transform(on_disk(bad, kind, tmp_path / "again")))


def test_streamed_input_of_the_wrong_shape_is_refused(digits, tmp_path):
    autoencoder = AutoencoderTransformer(**SETTINGS).fit(digits)
    with pytest.raises(ValueError, match="X has 10 features, but AutoencoderTransformer is expecting 64"):
        autoencoder.transform(on_disk(digits[:, :10], "memmap", tmp_path))
    with pytest.raises(ValueError, match="Expected a 2D array"):
        AutoencoderTransformer().fit(da.zeros((10, 4, 2)))
    with pytest.raises(ValueError, match="at least one sample"):
        AutoencoderTransformer().fit(da.zeros((0, 4)))


@pytest.mark.parametrize("change", ["rows doubled", "rows halved"])
def test_a_file_changed_during_a_fit_is_refused_in_one_line_and_nothing_changes(digits, tmp_path, change):
    import keras

    autoencoder = AutoencoderTransformer(**SETTINGS).fit(digits)
    before = autoencoder.transform(digits)
    with h5py.File(tmp_path / "X.h5", "w") as file:
        file.create_dataset("X", data=digits, maxshape=(None, 64))
    file = h5py.File(tmp_path / "X.h5", "a")

    def write_meanwhile(epoch, logs):  # another writer, after the first epoch
        file["X"].resize((len(digits) * 2 if change == "rows doubled" else len(digits) // 2, 64))

    autoencoder.set_params(callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=write_meanwhile)])
    with pytest.raises(
        ValueError, match=r"X changed during the fit: it held 1797 x 64 float32 values, it now holds"
    ) as caught:
        autoencoder.fit(file["X"])
    assert "\n" not in str(caught.value)
    np.testing.assert_array_equal(autoencoder.set_params(callbacks=None).transform(digits), before)
    file.close()


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_pretraining_reads_streamed_rows_like_an_array(digits, tmp_path, small_blocks):
    settings = dict(SETTINGS, pretrain_epochs=2, shuffle=False)
    streamed = AutoencoderTransformer(**settings).fit(on_disk(digits, "h5py", tmp_path))
    in_memory = AutoencoderTransformer(**settings).fit(digits)
    np.testing.assert_array_equal(streamed.transform(digits), in_memory.transform(digits))


# -- several times more data than the process may hold ----------------------

ALLOWANCE_MB = 384
N_FEATURES = 256
DATA_BYTES = 3 * 2**30


@pytest.mark.slow
def test_data_several_times_larger_than_the_memory_limit_streams_through(tmp_path):
    if shutil.disk_usage(tmp_path).free < 2 * DATA_BYTES:
        pytest.skip(f"needs {2 * DATA_BYTES / 2**30:.0f} GiB of free disk for the data file")
    n_rows = DATA_BYTES // (4 * N_FEATURES)
    path = tmp_path / "rows.f32"
    write_rows(path, n_rows, N_FEATURES)
    script = pathlib.Path(__file__).with_name("_limited_memory_fit.py")
    result = subprocess.run(
        [sys.executable, str(script), str(path), str(n_rows), str(N_FEATURES), str(ALLOWANCE_MB), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    first_rows = np.memmap(path, dtype=np.float32, mode="r", shape=(65536, N_FEATURES))
    constant_prediction_error = float(np.var(first_rows, axis=0).mean())
    print(json.dumps(report, indent=1))  # the figures, with pytest -s
    assert report["whole_file_loaded"] is False  # the limit binds
    assert report["data_mb"] > 3 * report["limit_mb"]
    for name, measured in report["sources"].items():
        assert measured["codes_shape"] == [n_rows, 8] and measured["codes_finite"], name
        assert measured["score"] > -0.5 * constant_prediction_error, name  # it learned


# -- a map's memory, at two numbers of rows -----------------------------------

MAP_ROWS = (40_000, 160_000)  # 2 and 8 times the rows of the exact neighbour graph


@pytest.mark.slow
def test_a_streamed_map_searches_its_graph_on_disk_in_memory_that_does_not_grow_with_the_rows(tmp_path):
    script = pathlib.Path(__file__).with_name("_streamed_map_fit.py")
    reports = []
    for n_rows in MAP_ROWS:
        path = tmp_path / f"rows-{n_rows}.f32"
        write_rows(path, n_rows, N_FEATURES)
        result = subprocess.run(
            [sys.executable, str(script), str(path), str(n_rows), str(N_FEATURES), str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        reports.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print(json.dumps(reports, indent=1))  # the figures, with pytest -s
    for report in reports:
        graph = report["graph"]
        assert (graph["method"], graph["search"]) == ("approximate", "nearest clusters")
        assert graph["recall"] > 0.8
        assert report["codes_finite"]
        # One epoch from the PCA-anchored start keeps PCA's map at least (on 2,000 of the rows).
        assert report["trustworthiness"] > report["pca_trustworthiness"] - 0.01
    # Four times the rows (117 MB more): the arrays the graph's search
    # allocates grow by the graph and a few integers a row (6.9 MB when
    # measured; the HNSW index an array is searched with, holding the rows
    # and their links, grows with the rows themselves). Measured as the
    # traced arrays' peak: the anonymous memory's peak grew by 23-37 MB over
    # eight runs of the same rows, the allocator's pages with the arrays.
    small, large = reports
    assert large["graph_arrays_mb"] - small["graph_arrays_mb"] < 0.25 * (large["data_mb"] - small["data_mb"])
