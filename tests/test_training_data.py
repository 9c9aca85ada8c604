"""A fit decides what its data is once, at the door, and reads a file on disk as few times as it can."""

import sys

import numpy as np
import pytest
import scipy.sparse as sp

from skautoencoder import AutoencoderTransformer

SETTINGS = dict(epochs=2, random_state=0)


def count_calls(monkeypatch, name):
    """Count the calls of the function ``name`` of ``_data_sources``, wherever the package imported it."""
    from skautoencoder import _data_sources

    original = getattr(_data_sources, name)
    calls = []

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("skautoencoder") and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counted)
    return calls


def table(kind, tmp_path):
    """300 x 6 rows of a 2-D structure, as an array, a CSR matrix or a float32 memmap."""
    rng = np.random.RandomState(0)
    X = np.tanh(rng.normal(size=(300, 2)) @ rng.normal(size=(2, 6)))
    if kind == "sparse":
        return sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    if kind == "memmap":
        np.save(tmp_path / "rows.npy", X.astype(np.float32))
        return np.load(tmp_path / "rows.npy", mmap_mode="r")
    return X


@pytest.mark.parametrize("kind, questions", [("dense", 2), ("sparse", 2), ("memmap", 1)])
def test_a_default_fit_decides_what_its_data_is_once(kind, questions, tmp_path, monkeypatch):
    # Once means one question each: is X read block by block, and if not, is
    # it sparse. Every later stage takes the row source made from the answer.
    X = table(kind, tmp_path)
    asked = {name: count_calls(monkeypatch, name) for name in ("is_streamed", "is_sparse")}
    model = AutoencoderTransformer(2, **SETTINGS).fit(X)
    assert sum(len(calls) for calls in asked.values()) == questions
    assert len(asked["is_streamed"]) == 1
    assert model.neighbor_weight_ is not None  # the map and reconstruction alone were both fitted


class CountedMemmap(np.memmap):
    """A memmap that counts the rows each indexing of it asks for (slices and index arrays along the rows).

    A slice counts all its rows, as a read of an HDF5 or Zarr array does; of
    a memmap, a slice is a view, and only the pages of the rows then taken
    from it are read, so the count is an upper bound of what it reads.
    """

    rows_asked = None  # a list, shared by the views of one file

    def __getitem__(self, key):
        result = super().__getitem__(key)
        if self.rows_asked is not None and self.ndim == 2:
            rows = key[0] if isinstance(key, tuple) else key
            if isinstance(rows, slice):
                self.rows_asked.append(len(range(*rows.indices(self.shape[0]))))
            elif isinstance(rows, np.ndarray) and rows.dtype.kind in "iu":
                self.rows_asked.append(len(rows))
        return result


def counted_memmap(path, dtype, X):
    """``X`` written to ``path`` as ``dtype``, opened as a :class:`CountedMemmap` with a fresh count."""
    np.save(path, X.astype(dtype))
    counted = np.load(path, mmap_mode="r").view(CountedMemmap)
    counted.rows_asked = []
    return counted


def passes_before_and_during_the_first_epoch(X, **params):
    """The rows asked of ``X``, in multiples of its rows, before the first epoch and during it."""
    from keras.callbacks import LambdaCallback

    at_epoch = []
    mark = LambdaCallback(on_epoch_begin=lambda *_: at_epoch.append(sum(X.rows_asked)))
    AutoencoderTransformer(callbacks=[mark], random_state=0, **params).fit(X)
    n = len(X)
    return at_epoch[0] / n, (at_epoch[1] - at_epoch[0]) / n


@pytest.mark.parametrize(
    "params, at_most_before, at_most_per_epoch",
    [
        # The column ranges, the PCA anchor, the column variance, the
        # neighbour graph and PCA's per-row error, a pass each; then the
        # blocks of the validation rows (and their partners) for the start's
        # loss. An epoch: the training block, the training rows' partners,
        # the validation rows' block and their partners. Before the data were
        # decided once: 9.2 (the variance in two passes, PCA's error once for
        # the training rows' blocks and once for the validation rows').
        (dict(n_components=2, neighbor_weight=1.0), 7.2, 3.76),
        # The column ranges and the anchor, then the validation rows' block
        # twice (the start's loss and error); an epoch reads the training
        # block and the validation rows' block. Unchanged: 4.0 and 2.0.
        (dict(n_components=2, neighbor_weight=0.0), 4.0, 2.0),
    ],
    ids=["map", "reconstruction alone"],
)
def test_a_memmap_is_asked_for_few_passes_before_and_during_an_epoch(
    params, at_most_before, at_most_per_epoch, tmp_path
):
    rng = np.random.RandomState(0)
    X = counted_memmap(
        tmp_path / "rows.npy", np.float32, np.tanh(rng.normal(size=(3000, 2)) @ rng.normal(size=(2, 50)))
    )
    before, per_epoch = passes_before_and_during_the_first_epoch(X, epochs=2, **params)
    assert before <= at_most_before + 1e-9 and per_epoch <= at_most_per_epoch + 1e-9


@pytest.mark.slow
def test_streamed_rows_of_several_blocks_are_checked_and_give_the_pca_start_in_one_pass(tmp_path):
    # 70,000 rows, two blocks: the pass that checks every block also feeds
    # the PCA start's IncrementalPCA (4.0 rows asked per row before: the
    # check, the anchor, and the validation rows' blocks twice). An epoch as
    # before: the blocks for the training rows, then for the validation rows.
    rng = np.random.RandomState(0)
    X = counted_memmap(
        tmp_path / "rows.npy", np.float32, np.tanh(rng.normal(size=(70000, 2)) @ rng.normal(size=(2, 4)))
    )
    before, per_epoch = passes_before_and_during_the_first_epoch(
        X, n_components=2, neighbor_weight=0.0, batch_size=4096, epochs=2
    )
    assert before == pytest.approx(3.0) and per_epoch == pytest.approx(2.0)
