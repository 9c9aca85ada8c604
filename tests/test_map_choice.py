"""neighbor_weight="auto": the map earns its place against reconstruction alone, on the fit's own validation rows."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

import skautoencoder._fitting
from skautoencoder import AutoencoderTransformer, NeighborhoodWarning, load
from skautoencoder._map_choice import map_gain, neighbor_recall_per_row


def test_neighbor_recall_counts_the_nearest_rows_kept_nearest():
    rng = np.random.RandomState(0)
    reference, queries = rng.normal(size=(60, 5)), rng.normal(size=(7, 5))
    projection = rng.normal(size=(5, 2))
    recall = neighbor_recall_per_row(reference, queries, reference @ projection, queries @ projection, n_neighbors=6)

    def nearest(query, rows):
        return set(np.argsort(((rows - query) ** 2).sum(axis=1))[:6])

    expected = [len(nearest(q, reference) & nearest(q @ projection, reference @ projection)) / 6 for q in queries]
    np.testing.assert_allclose(recall, expected)
    assert 0 < recall.mean() < 1


def test_the_gain_is_bounded_with_confidence():
    rng = np.random.RandomState(0)
    reference, queries = rng.normal(size=(300, 3)), rng.normal(size=(120, 3))
    faithful = (reference[:, :2], queries[:, :2])  # keeps most of a 3-D neighbourhood
    scrambled = (rng.normal(size=(300, 2)), rng.normal(size=(120, 2)))  # keeps none of it
    better = map_gain(reference, queries, faithful, scrambled)
    assert better["neighbor_recall"]["map"] > better["neighbor_recall"]["reconstruction"]
    assert better["lower_bound"] > 0
    assert map_gain(reference, queries, scrambled, faithful)["lower_bound"] < 0
    # The same codes tie, and a tie keeps reconstruction alone.
    assert map_gain(reference, queries, faithful, faithful)["lower_bound"] == 0


def plane(n_rows=300):
    """Rows on a 2-D plane of 10 columns: the PCA start already keeps every neighbour."""
    rng = np.random.RandomState(0)
    return rng.normal(size=(n_rows, 2)) @ rng.normal(size=(2, 10)) + 1e-3 * rng.normal(size=(n_rows, 10))


def dense_layers(model):
    return [(layer.units, layer.activation.__name__) for layer in model.encoder_.layers if hasattr(layer, "units")]


def test_reconstruction_alone_is_kept_where_the_map_keeps_no_more_neighbours(tmp_path, capsys):
    model = AutoencoderTransformer(2, epochs=5, verbose=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(plane())
    choice = model.map_choice_
    assert choice["kept"] == "reconstruction" and choice["lower_bound"] <= 0
    assert choice["validation_rows"] == 90
    assert model.neighbor_weight_ == 0.0 and choice["neighbor_weight"] == 0.0
    assert choice["hidden_layer_sizes"] == (256, 128) and choice["activation"] == "relu"
    assert ("dense", 256, "relu") in [("dense", *layer) for layer in dense_layers(model)]
    assert "Kept reconstruction alone (neighbor_weight=0, hidden_layer_sizes=(256, 128)" in capsys.readouterr().out
    # The map's own warnings are not the kept fit's.
    assert not [w for w in caught if issubclass(w.category, NeighborhoodWarning)]
    # Training goes on with the kept networks, and the file keeps the choice.
    model.partial_fit(plane()[:64])
    assert model.neighbor_weight_ == 0.0
    model.save(tmp_path / "model.skae")
    loaded = load(tmp_path / "model.skae")
    assert loaded.map_choice_ == model.map_choice_ and loaded.neighbor_weight_ == 0.0


@pytest.mark.slow  # about 10 s: the whole suite runs it
def test_the_map_is_kept_where_its_validation_rows_keep_neighbours_better(capsys):
    X = load_digits().data[:800] / 16
    model = AutoencoderTransformer(2, epochs=30, verbose=1, random_state=0).fit(X)
    choice = model.map_choice_
    assert choice["kept"] == "map" and choice["lower_bound"] > 0
    assert choice["neighbor_recall"]["map"] > choice["neighbor_recall"]["reconstruction"]
    assert model.neighbor_weight_ == 1.0
    assert dense_layers(model)[:3] == [(256, "tanh"), (128, "tanh"), (64, "tanh")]
    assert "Kept the map: on 120 validation rows" in capsys.readouterr().out


def test_large_data_and_explicit_weights_pay_for_one_fit(monkeypatch):
    fits = []
    one_fit = skautoencoder._fitting._fit_once
    monkeypatch.setattr(skautoencoder._fitting, "_fit_once", lambda *a, **kw: fits.append(1) or one_fit(*a, **kw))
    rng = np.random.RandomState(0)
    # 2,400 rows hold out 240: 2,160 training rows, above the 2,000 the choice is made for.
    large = AutoencoderTransformer(2, hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(rng.normal(size=(2400, 4)))
    assert large.map_choice_ is None and large.neighbor_weight_ == 1.0 and len(fits) == 1
    explicit = AutoencoderTransformer(2, neighbor_weight=1.0, epochs=1, random_state=0).fit(plane())
    assert explicit.map_choice_ is None and explicit.neighbor_weight_ == 1.0 and len(fits) == 2
    wide = AutoencoderTransformer(4, epochs=1, random_state=0).fit(plane())
    assert wide.map_choice_ is None and wide.neighbor_weight_ == 0.0 and len(fits) == 3


def test_too_few_rows_to_show_a_better_map_fit_reconstruction_alone(capsys):
    # 90 rows hold out 27 for validation, fewer than the 30 a comparison needs.
    model = AutoencoderTransformer(2, epochs=2, verbose=1, random_state=0).fit(plane(90))
    assert model.map_choice_["kept"] == "reconstruction" and model.map_choice_["neighbor_recall"] is None
    assert model.neighbor_weight_ == 0.0 and model.neighbor_graph_ is None
    assert "27 validation rows are too few to show that a map keeps neighbours better" in capsys.readouterr().out
