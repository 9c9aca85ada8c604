"""Neighbourhood-preserving codes: the neighbour graph, the contrastive term, and what it gives."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.manifold import trustworthiness
from sklearn.model_selection import train_test_split

from skautoencoder import AutoencoderTransformer, DataScaleWarning
from skautoencoder._data_sources import InMemoryRows, mean_column_variance, rows_of
from skautoencoder._neighbor_graph import neighbor_graph
from skautoencoder._paired_rows import PairedRows


def test_training_rows_get_their_nearest_other_training_rows():
    X = np.array([[0.0], [1.0], [3.0], [10.0], [0.4], [9.0]])
    train_rows, validation_rows = np.array([0, 1, 2, 3]), np.array([4, 5])
    neighbors = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=2).neighbors
    assert neighbors.shape == (6, 2)
    np.testing.assert_array_equal(neighbors[train_rows], [[1, 2], [0, 2], [1, 0], [2, 1]])
    # Validation rows look among the training rows only, never at each other.
    np.testing.assert_array_equal(neighbors[validation_rows], [[0, 1], [3, 2]])


def test_the_graph_is_the_same_under_any_thread_count_and_breaks_ties_by_row():
    from threadpoolctl import threadpool_limits

    # The digits' pixels take 17 values: many distances tie, and BLAS
    # rounds the others differently with one thread (181 of 1,198 rows
    # changed before ties were settled).
    X = load_digits().data / 16
    train_rows, validation_rows = np.arange(1198), np.arange(1198, len(X))
    threaded = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15).neighbors
    with threadpool_limits(1):
        single = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15).neighbors
    np.testing.assert_array_equal(threaded, single)
    assert not np.any(threaded[train_rows] == train_rows[:, None])  # never a row's own neighbour
    # Ten rows at the same distance from the first: the lowest indices win.
    tied = np.vstack([np.zeros((1, 2)), np.tile([[1.0, 0.0]], (10, 1)), [[5.0, 5.0]]])
    graph = neighbor_graph(rows_of(tied), np.arange(12), None, n_neighbors=3)
    np.testing.assert_array_equal(graph.neighbors[0], [1, 2, 3])


def test_small_data_searched_in_numpy_gets_the_graph_a_nearest_neighbors_index_finds(monkeypatch):
    from skautoencoder import _neighbor_graph

    # The digits' tied distances (see above), and float32 rows as a fit reads them.
    X = (load_digits().data / 16).astype(np.float32)[:1000]
    train_rows, validation_rows = np.arange(0, len(X), 2), np.arange(1, len(X), 2)
    assert len(train_rows) <= _neighbor_graph.SEARCHED_MAX_ROWS
    searched = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15).neighbors
    monkeypatch.setattr(_neighbor_graph, "SEARCHED_MAX_ROWS", 0)
    indexed = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15).neighbors
    np.testing.assert_array_equal(searched, indexed)


@pytest.mark.parametrize("storage, search", [("in memory", "hnsw"), ("memmap", "nearest clusters")])
def test_above_the_exact_size_the_approximate_graph_finds_most_true_neighbours_and_measures_how_many(
    storage, search, tmp_path
):
    import faiss
    from threadpoolctl import threadpool_limits

    X = np.random.RandomState(0).normal(size=(8000, 8))
    if storage == "memmap":  # searched cluster by cluster, 8 clusters of 1,000 rows
        np.save(tmp_path / "rows.npy", X.astype(np.float32))
        X = np.load(tmp_path / "rows.npy", mmap_mode="r")
    train_rows, validation_rows = np.arange(7000), np.arange(7000, 8000)
    exact = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15)
    approximate = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15, exact_max_rows=1000)
    assert (exact.method, exact.search, exact.recall) == ("exact", "exact", 1.0)
    assert (approximate.method, approximate.search) == ("approximate", search)
    found = approximate.neighbors
    recall = np.mean([len(np.intersect1d(a, b)) / 15 for a, b in zip(found, exact.neighbors)])
    assert recall > 0.95
    # Its own figure, from 200 sampled training rows, tells the truth.
    assert abs(approximate.recall - recall) < 0.03
    assert not np.any(found[train_rows] == train_rows[:, None])  # never a row's own neighbour
    assert np.isin(found[validation_rows], train_rows).all()  # validation rows look among training rows
    # The same graph under any thread count.
    threads = faiss.omp_get_max_threads()
    try:
        faiss.omp_set_num_threads(1)
        with threadpool_limits(1):
            single = neighbor_graph(rows_of(X), train_rows, validation_rows, n_neighbors=15, exact_max_rows=1000)
    finally:
        faiss.omp_set_num_threads(threads)
    np.testing.assert_array_equal(single.neighbors, found)


def test_a_fitted_map_says_how_it_found_its_graph(capsys):
    X = load_digits().data[:300] / 16
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), neighbor_weight=1.0, epochs=1, verbose=1, random_state=0
    ).fit(X)
    assert model.neighbor_graph_["method"] == "exact" and model.neighbor_graph_["n_neighbors"] == 15
    # validation_fraction="auto" holds out 90 of 300 rows.
    assert "Neighbour graph of 210 training rows, 15 neighbours each: exact" in capsys.readouterr().out
    assert AutoencoderTransformer(8, epochs=1, random_state=0).fit(X).neighbor_graph_ is None


def test_the_graph_caps_its_size_at_the_training_rows():
    X = np.arange(6.0).reshape(3, 2)
    assert neighbor_graph(rows_of(X), np.array([0, 1, 2]), None, n_neighbors=15).neighbors.shape == (3, 2)
    # One training row: every row is its own neighbour.
    one_training_row = neighbor_graph(rows_of(X), np.array([1]), np.array([0]), 15)
    np.testing.assert_array_equal(one_training_row.neighbors, [[0], [1], [2]])


def test_paired_rows_hold_a_row_and_one_of_its_neighbours():
    X = np.arange(12.0).reshape(6, 2)
    neighbors = np.array([[1, 2], [0, 2], [1, 3], [2, 4], [3, 5], [4, 3]])
    source = PairedRows(InMemoryRows(X), neighbors, InMemoryRows(X))
    assert source.n_features == 4
    rng = np.random.RandomState(0)
    (chunk,) = source.training_chunks(np.arange(6), 10, shuffle=True, rng=rng)
    rows = (chunk[:, 0] / 2).astype(int)
    partners = (chunk[:, 2] / 2).astype(int)
    assert sorted(rows) == list(range(6))
    assert all(partner in neighbors[row] for row, partner in zip(rows, partners))
    # Read in order (the validation loss), each row comes with its nearest neighbour.
    (ordered,) = source.chunks(np.arange(6), 10)
    np.testing.assert_array_equal(ordered[:, 2:], X[neighbors[:, 0]])


def test_mean_column_variance_is_one_for_constant_data():
    assert mean_column_variance(InMemoryRows(np.ones((5, 3))), np.arange(5)) == 1.0
    assert mean_column_variance(InMemoryRows(np.array([[0.0, 0.0], [2.0, 4.0]])), np.arange(2)) == pytest.approx(2.5)


def test_the_contrastive_term_is_low_when_neighbours_are_close_and_zero_alone():
    import tensorflow as tf

    from skautoencoder._engine.loss_terms import neighbor_loss

    rng = np.random.RandomState(0)
    codes = tf.constant(rng.normal(size=(32, 2)) * 5, dtype=tf.float32)
    close = neighbor_loss(tf, codes, codes + 0.01, 1.0)
    far = neighbor_loss(tf, codes, tf.roll(codes, 7, axis=0), 1.0)
    assert float(tf.reduce_mean(close)) < float(tf.reduce_mean(far))
    alone = neighbor_loss(tf, codes[:1], codes[:1] + 1.0, 1.0)
    np.testing.assert_allclose(alone.numpy(), [0.0], atol=1e-6)


@pytest.fixture(scope="module")
def held_out_digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X[:800] / 16, y[:800], test_size=0.25, random_state=0, stratify=y[:800])


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_the_term_raises_held_out_trustworthiness_over_the_plain_model(held_out_digits):
    X_train, X_test, _, _ = held_out_digits
    settings = dict(hidden_layer_sizes=(64,), epochs=40, early_stopping=False, random_state=0)
    plain = AutoencoderTransformer(2, neighbor_weight=0.0, **settings).fit(X_train)
    mapped = AutoencoderTransformer(2, neighbor_weight=1.0, **settings).fit(X_train)
    plain_score = trustworthiness(X_test, plain.transform(X_test), n_neighbors=5)
    mapped_score = trustworthiness(X_test, mapped.transform(X_test), n_neighbors=5)
    assert mapped_score > plain_score + 0.01, (plain_score, mapped_score)
    # The decoder stays a decoder: it still reconstructs better than the mean row.
    assert mapped.score(X_test) > -np.mean((X_test - X_train.mean(axis=0)) ** 2)


def test_codes_are_reproducible_with_a_seed_and_early_stopping(held_out_digits):
    X_train = held_out_digits[0]
    settings = dict(hidden_layer_sizes=(16,), epochs=5, neighbor_weight=0.5, n_neighbors=5, random_state=3)
    first = AutoencoderTransformer(2, **settings).fit(X_train)
    second = AutoencoderTransformer(2, **settings).fit(X_train)
    # Equal up to float32 rounding (user guide, "Using it": Reproducibility), not always bitwise.
    np.testing.assert_allclose(first.transform(X_train), second.transform(X_train), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(first.validation_loss_curve_, second.validation_loss_curve_, rtol=1e-5)
    other = AutoencoderTransformer(2, **{**settings, "random_state": 4}).fit(X_train)
    assert not np.array_equal(first.transform(X_train), other.transform(X_train))


def test_the_validation_loss_includes_the_term(held_out_digits):
    X_train = held_out_digits[0]
    settings = dict(hidden_layer_sizes=(16,), batch_size=16, epochs=1, random_state=0)
    plain = AutoencoderTransformer(2, neighbor_weight=0.0, **settings).fit(X_train)
    mapped = AutoencoderTransformer(2, neighbor_weight=1.0, **settings).fit(X_train)
    # Same start (PCA) and same validation rows: the term adds to every epoch's loss.
    assert mapped.validation_loss_curve_[0] > plain.validation_loss_curve_[0]


@pytest.mark.parametrize("kind", ["memmap", "h5py", "zarr"])
def test_a_map_fitted_from_a_file_equals_the_map_fitted_in_memory(kind, tmp_path):
    import h5py
    import zarr

    X = np.random.RandomState(0).rand(40, 4).astype(np.float32)
    settings = dict(neighbor_weight=1.0, hidden_layer_sizes=(8,), epochs=2, early_stopping=False, random_state=0)
    if kind == "memmap":
        on_disk = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=X.shape)
        on_disk[:] = X
    elif kind == "h5py":
        with h5py.File(tmp_path / "x.h5", "w") as file:
            file["X"] = X
        on_disk = h5py.File(tmp_path / "x.h5", "r")["X"]
    else:
        on_disk = zarr.open_array(str(tmp_path / "x.zarr"), mode="w", shape=X.shape, dtype=X.dtype, chunks=(16, 4))
        on_disk[:] = X
    from_disk = AutoencoderTransformer(2, **settings).fit(on_disk)
    in_memory = AutoencoderTransformer(2, **settings).fit(X)
    assert from_disk.neighbor_graph_ == {**in_memory.neighbor_graph_, "seconds": from_disk.neighbor_graph_["seconds"]}
    # One block: the rows, their partners and the order are the array's.
    np.testing.assert_allclose(from_disk.transform(X), in_memory.transform(X), rtol=1e-5, atol=1e-6)
    # "auto" turns the term on for a 2-D code read from disk too.
    assert AutoencoderTransformer(2, **{**settings, "neighbor_weight": "auto"}).fit(on_disk).neighbor_graph_


def test_partial_fit_pairs_rows_within_each_chunk(held_out_digits):
    X_train = held_out_digits[0]
    autoencoder = AutoencoderTransformer(2, hidden_layer_sizes=(16,), neighbor_weight=1.0, random_state=0)
    for chunk in np.array_split(X_train, 3):
        autoencoder.partial_fit(chunk)
    assert autoencoder.n_iter_ == 3 and np.all(np.isfinite(autoencoder.loss_curve_))


def validation_split(n_rows, random_state, validation_fraction="auto"):
    """The training and validation rows a fit with this seed draws (as ``fit_autoencoder`` does)."""
    from skautoencoder._fitting import split_rows

    rng = np.random.RandomState(random_state)
    rng.randint(np.iinfo(np.int32).max // 2, size=2)  # the network's and the noise's seeds
    return split_rows(np.arange(n_rows), validation_fraction, rng)


def pca_validation_error(X, validation_rows, n_components):
    from sklearn.decomposition import PCA

    pca = PCA(n_components).fit(X)  # on every row, as the anchor
    rows = X[validation_rows]
    return float(np.mean((pca.inverse_transform(pca.transform(rows)) - rows) ** 2))


@pytest.mark.parametrize("neighbor_weight", [0.0, 1.0, 30.0])
def test_the_kept_epoch_reconstructs_validation_rows_within_2_percent_of_pca(neighbor_weight):
    from sklearn.datasets import load_wine

    X = load_wine().data  # raw columns, one of them in the thousands
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), epochs=30, neighbor_weight=neighbor_weight, n_iter_no_change=30, random_state=0
    )
    with pytest.warns() as caught:
        model.fit(X)
    _, validation_rows = validation_split(len(X), 0)
    rows = X[validation_rows]
    kept_error = float(np.mean((model.inverse_transform(model.transform(rows)) - rows) ** 2))
    assert kept_error <= 1.02 * pca_validation_error(X, validation_rows, 2) * (1 + 1e-5)
    from skautoencoder import NeighborhoodWarning

    neighborhood_warnings = [w for w in caught if issubclass(w.category, NeighborhoodWarning)]
    assert all("within 2% of PCA's error" in str(w.message) for w in neighborhood_warnings)


def test_a_kept_pca_start_is_said_in_one_warning():
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA

    from skautoencoder import NeighborhoodWarning

    X = load_wine().data  # raw columns: the map costs reconstruction on every trained epoch
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), epochs=30, n_iter_no_change=30, neighbor_weight=1.0, random_state=0
    )
    with (
        pytest.warns(NeighborhoodWarning, match=r"so the fit kept its PCA start; scale the columns"),
        pytest.warns(DataScaleWarning, match="very different ranges"),
    ):
        model.fit(X)
    pca = PCA(2).fit(X)
    np.testing.assert_allclose(
        model.transform(X), pca.transform(X), rtol=1e-4, atol=1e-3 * np.abs(pca.transform(X)).max()
    )


def test_a_kept_pca_start_after_a_budget_of_few_epochs_advises_more_epochs_not_scaling():
    from skautoencoder import NeighborhoodWarning

    X = load_digits().data / 16  # already in [0, 1]: scaling is not the cure
    with pytest.warns(
        NeighborhoodWarning,
        match=r"kept its PCA start; the fit ran all the epochs it was given \(epochs=1\): raise epochs\.$",
    ):
        AutoencoderTransformer(2, epochs=1, neighbor_weight=1.0, random_state=0).fit(X)


def test_a_map_worse_than_pca_without_early_stopping_is_said_in_one_warning():
    from sklearn.datasets import load_wine

    from skautoencoder import NeighborhoodWarning

    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), epochs=30, neighbor_weight=30.0, early_stopping=False, random_state=0
    )
    with (
        pytest.warns(NeighborhoodWarning, match=r"reconstructs the training rows with \S+x PCA's error: not within 2%"),
        pytest.warns(DataScaleWarning, match="very different ranges"),
    ):
        model.fit(load_wine().data)


def test_the_term_is_counted_in_units_of_pcas_error():
    # The same rows in other units: the term keeps its weight, so the codes
    # follow the units (up to float32 rounding and the optimizer's epsilon).
    X = load_digits().data[:300] / 16
    settings = dict(
        hidden_layer_sizes=(16,),
        activation="relu",
        batch_size=32,
        epochs=3,
        neighbor_weight=1.0,
        early_stopping=False,
        random_state=0,
    )
    small_units = AutoencoderTransformer(2, **settings).fit(X)
    large_units = AutoencoderTransformer(2, **settings).fit(X * 100)
    np.testing.assert_allclose(large_units.transform(X * 100) / 100, small_units.transform(X), rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize(
    "n_components, given, expected",
    [
        (
            2,
            {},
            dict(
                neighbor_weight=1.0,
                hidden_layer_sizes=(256, 128, 64),
                activation="tanh",
                batch_size=16,
                n_iter_no_change=30,
            ),
        ),
        (3, {"batch_size": 64}, dict(neighbor_weight=1.0, batch_size=64, activation="tanh")),
        (
            4,
            {},
            dict(
                neighbor_weight=0.0,
                hidden_layer_sizes=(256, 128),
                activation="relu",
                batch_size=32,
                n_iter_no_change=20,
            ),
        ),
        (1, {}, dict(neighbor_weight=0.0, hidden_layer_sizes=(256, 128), activation="relu")),
        (2, {"neighbor_weight": 0.0}, dict(neighbor_weight=0.0, hidden_layer_sizes=(256, 128))),
        (8, {"neighbor_weight": 0.5}, dict(neighbor_weight=0.5, hidden_layer_sizes=(256, 128, 64))),
        (2, {"init": "random"}, dict(neighbor_weight=0.0, batch_size=32)),
        (2, {"output_activation": "sigmoid"}, dict(neighbor_weight=0.0, n_iter_no_change=20)),
    ],
)
def test_auto_defaults_make_a_map_for_a_picture_and_reconstruct_otherwise(n_components, given, expected):
    from skautoencoder._fit_config import FitConfig

    params = AutoencoderTransformer(n_components, **given).get_params()
    resolved = FitConfig.from_params(params, 10).params
    assert {name: resolved[name] for name in expected} == expected
    assert "auto" not in [
        resolved[name]
        for name in ("hidden_layer_sizes", "activation", "batch_size", "n_iter_no_change", "neighbor_weight")
    ]
    assert params == AutoencoderTransformer(n_components, **given).get_params()  # never changed


def test_a_default_fit_of_a_2d_code_trains_the_map_network():
    # 2,400 rows: too many training rows to fit reconstruction alone too (tests/test_map_choice.py).
    X = np.random.RandomState(0).normal(size=(2400, 6))
    model = AutoencoderTransformer(2, epochs=1, random_state=0).fit(X)
    assert model.get_params()["neighbor_weight"] == "auto" and model.neighbor_weight_ == 1.0
    hidden = [layer.units for layer in model.encoder_.layers if layer.name.startswith("encoder_hidden")]
    assert hidden == [256, 128, 64]


@pytest.mark.slow  # two fits of the map's deeper network
def test_the_default_2d_code_keeps_held_out_neighbours_better_than_reconstruction_alone(held_out_digits):
    from sklearn.decomposition import PCA

    from skautoencoder.metrics import knn_accuracy

    X_train, X_test, y_train, y_test = held_out_digits
    shorter = dict(epochs=60, random_state=0)
    plain = AutoencoderTransformer(2, neighbor_weight=0.0, **shorter).fit(X_train)
    mapper = AutoencoderTransformer(2, **shorter).fit(X_train)
    plain_score = trustworthiness(X_test, plain.transform(X_test), n_neighbors=5)
    mapped_score = trustworthiness(X_test, mapper.transform(X_test), n_neighbors=5)
    assert mapped_score > plain_score + 0.01, (plain_score, mapped_score)
    plain_knn = knn_accuracy(plain.transform(X_train), y_train, plain.transform(X_test), y_test)
    mapped_knn = knn_accuracy(mapper.transform(X_train), y_train, mapper.transform(X_test), y_test)
    assert mapped_knn > plain_knn, (plain_knn, mapped_knn)
    # The map is no worse a decoder than PCA on new rows.
    pca = PCA(2).fit(X_train)
    assert -mapper.score(X_test) < np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)


def test_the_verbose_line_names_how_an_approximate_graph_was_searched():
    from skautoencoder._fitting import _graph_line
    from skautoencoder._neighbor_graph import NeighborGraph

    graph = NeighborGraph(np.zeros((30_000, 15), dtype=np.int32), "approximate", "nearest clusters", 0.9051, 12.34)
    assert _graph_line(graph, 30_000) == (
        "Neighbour graph of 30000 training rows, 15 neighbours each: approximate (cluster by cluster on disk), "
        "recall 0.905 of the exact neighbours (12.3 s)"
    )
