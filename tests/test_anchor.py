"""PCA-anchored networks: PCA before training, no worse than PCA after (with confidence on the validation rows)."""

import pickle
import warnings

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split

from skautoencoder import AutoencoderTransformer, DataScaleWarning, load
from skautoencoder._engine.inference import DenseForward

WINE = load_wine().data  # raw columns: spreads from 0.1 to 300
DIGITS = load_digits().data / 16

# The anchor must hold on raw columns too: the advice to scale them is expected here, not asserted
# (tests/test_reliability.py asserts it).
pytestmark = pytest.mark.filterwarnings(
    "ignore:The columns of X span very different ranges:skautoencoder.exceptions.DataScaleWarning"
)


def untrained(**params):
    """One step of a vanishing learning rate: the model as initialised."""
    settings = dict(
        hidden_layer_sizes=(8,), epochs=1, learning_rate=1e-12, early_stopping=False, random_state=0, init="pca"
    )
    return AutoencoderTransformer(**{**settings, **params})


def pca_reconstruction(pca, X):
    return pca.inverse_transform(pca.transform(X))


@pytest.mark.parametrize("X, k", [(WINE, 2), (WINE, 4), (DIGITS, 8)], ids=["wine-2", "wine-4", "digits-8"])
def test_the_anchored_model_is_pca_before_training(X, k):
    autoencoder = untrained(n_components=k).fit(X)
    pca = PCA(k).fit(X)
    scale = np.abs(X).max()
    # Equal up to float32 rounding of the weights, relative to the data's scale.
    np.testing.assert_allclose(autoencoder.transform(X), pca.transform(X), atol=1e-6 * scale)
    np.testing.assert_allclose(
        autoencoder.inverse_transform(autoencoder.transform(X)), pca_reconstruction(pca, X), atol=1e-6 * scale
    )
    # The Keras models agree with the NumPy path.
    keras_codes = np.asarray(autoencoder.encoder_(X.astype(np.float32)))
    np.testing.assert_allclose(autoencoder.transform(X), keras_codes, atol=1e-5 * scale)


def test_codes_wider_than_the_data_start_with_zero_linear_paths():
    X = WINE[:, :3]
    with pytest.warns(UserWarning, match="n_components=5 is more than the 3 columns of X"):
        autoencoder = untrained(n_components=5).fit(X)
    codes = autoencoder.transform(X)
    np.testing.assert_allclose(codes[:, :3], PCA(3).fit_transform(X), atol=1e-6 * np.abs(X).max())
    np.testing.assert_allclose(codes[:, 3:], 0.0, atol=1e-9)  # moved only by the vanishing step


def test_inference_runs_on_the_numpy_path():
    autoencoder = AutoencoderTransformer(2, hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(DIGITS)
    assert autoencoder.encoder_.get_layer("pca_projection") is not None  # init="auto" chose the anchor
    assert isinstance(autoencoder._forward("encoder"), DenseForward)
    assert isinstance(autoencoder._forward("decoder"), DenseForward)
    np.testing.assert_allclose(
        autoencoder.transform(DIGITS), np.asarray(autoencoder.encoder_(DIGITS.astype(np.float32))), atol=1e-5
    )


def test_early_stopping_keeps_the_untrained_pca_when_no_epoch_beats_it():
    # A learning rate this large makes every epoch worse than the start.
    autoencoder = AutoencoderTransformer(
        2, learning_rate=0.1, early_stopping=True, n_iter_no_change=3, epochs=20, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        autoencoder.fit(WINE)
    assert autoencoder.n_iter_ == 3
    assert autoencoder.best_validation_loss_ < min(autoencoder.validation_loss_curve_)
    for model, name in ((autoencoder.encoder_, "encoder_correction"), (autoencoder.decoder_, "decoder_correction")):
        assert not any(np.any(w) for w in model.get_layer(name).get_weights())
    # The start is the PCA of every row given to fit, validation rows included:
    # the PCA a user compares with.
    pca = PCA(2).fit(WINE)
    scale = np.abs(WINE).max()
    np.testing.assert_allclose(autoencoder.transform(WINE), pca.transform(WINE), atol=1e-6 * scale)
    np.testing.assert_allclose(
        autoencoder.inverse_transform(autoencoder.transform(WINE)), pca_reconstruction(pca, WINE), atol=1e-6 * scale
    )


@pytest.mark.slow  # over 5 s: the whole suite runs it
def test_raw_columns_give_a_held_out_error_within_two_percent_of_pca():
    X_train, X_test = train_test_split(WINE, test_size=0.25, random_state=0)
    for k in (2, 4):
        autoencoder = AutoencoderTransformer(k, random_state=0).fit(X_train)
        pca = PCA(k).fit(X_train)
        pca_error = np.mean((pca_reconstruction(pca, X_test) - X_test) ** 2)
        assert -autoencoder.score(X_test) <= 1.02 * pca_error


def test_a_linear_anchored_autoencoder_is_pca_and_stays_within_one_percent():
    linear = dict(n_components=4, hidden_layer_sizes=(), activation="linear", init="pca", random_state=0)
    pca = PCA(4).fit(DIGITS)
    start = untrained(**linear).fit(DIGITS)
    angles = subspace_angles(start.decoder_.get_layer("pca_reconstruction").get_weights()[0].T, pca.components_.T)
    assert angles.max() < 1e-4
    trained = AutoencoderTransformer(**linear, epochs=20).fit(DIGITS)
    pca_error = np.mean((pca_reconstruction(pca, DIGITS) - DIGITS) ** 2)
    assert -trained.score(DIGITS) <= 1.01 * pca_error


@pytest.mark.parametrize(
    "params, conflict",
    [
        (dict(output_activation="sigmoid"), "output_activation='sigmoid'"),
        (dict(code_activation="tanh"), "code_activation='tanh'"),
        (dict(variational=True), "variational=True"),
        (dict(image_shape=(-1, 1)), "image_shape"),
        (dict(pretrain_epochs=1), "pretrain_epochs > 0"),
    ],
)
def test_init_pca_refuses_settings_it_cannot_anchor_and_auto_falls_back(params, conflict):
    X = DIGITS[:50]
    with pytest.raises(ValueError, match=f"init='pca' .* cannot be combined with {conflict}"):
        untrained(n_components=2, **params).fit(X)
    fallback = untrained(n_components=2, init="auto", **params).fit(X)
    assert all(layer.name != "pca_projection" for layer in fallback.encoder_.layers)


@pytest.mark.parametrize(
    "variant",
    [
        # The fast loop runs the one with a gradient of its own (the contractive penalty).
        pytest.param(dict(corruption="gaussian", corruption_level=0.1), marks=pytest.mark.slow),
        dict(activity_l1=1e-3, contractive_weight=1e-3),
        pytest.param(dict(dropout=0.1, batch_normalization=True), marks=pytest.mark.slow),
    ],
    ids=["denoising", "sparse-contractive", "dropout-batch-norm"],
)
def test_variants_start_from_pca_and_train(variant):
    autoencoder = untrained(n_components=2, **variant).fit(DIGITS)
    np.testing.assert_allclose(
        autoencoder.inverse_transform(autoencoder.transform(DIGITS)),
        pca_reconstruction(PCA(2).fit(DIGITS), DIGITS),
        atol=1e-5,
    )
    trained = AutoencoderTransformer(2, hidden_layer_sizes=(16,), epochs=3, random_state=0, **variant).fit(DIGITS)
    assert np.isfinite(trained.score(DIGITS))


def test_tied_weights_tie_the_pca_paths():
    autoencoder = AutoencoderTransformer(2, hidden_layer_sizes=(8,), epochs=3, tied_weights=True, random_state=0)
    autoencoder.fit(DIGITS)
    projection = autoencoder.encoder_.get_layer("pca_projection").get_weights()[0]
    reconstruction = autoencoder.decoder_.get_layer("pca_reconstruction").get_weights()[0]
    np.testing.assert_array_equal(reconstruction, projection.T)


def test_streamed_data_anchors_to_an_incremental_pca(tmp_path, monkeypatch):
    from skautoencoder import _data_sources

    monkeypatch.setattr(_data_sources, "BLOCK_BYTES", 50 * 64 * 4)  # 50-row blocks: 36 of them
    np.save(tmp_path / "X.npy", DIGITS.astype(np.float32))
    X = np.load(tmp_path / "X.npy", mmap_mode="r")
    autoencoder = untrained(n_components=4).fit(X)
    # IncrementalPCA approaches PCA's subspace: its error is PCA's within 1%.
    pca_error = np.mean((pca_reconstruction(PCA(4).fit(DIGITS), DIGITS) - DIGITS) ** 2)
    assert pca_error <= -autoencoder.score(DIGITS) <= 1.01 * pca_error


def test_anchored_models_save_load_and_pickle_identically(tmp_path):
    autoencoder = AutoencoderTransformer(2, hidden_layer_sizes=(8,), epochs=3, random_state=0).fit(WINE)
    path = tmp_path / "wine.skae"
    autoencoder.save(path)
    expected = autoencoder.transform(WINE)
    np.testing.assert_array_equal(load(path).transform(WINE), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(autoencoder)).transform(WINE), expected)


def test_anchored_fits_are_reproducible():
    codes = [AutoencoderTransformer(2, epochs=3, random_state=7).fit(WINE).transform(WINE) for _ in range(2)]
    np.testing.assert_array_equal(*codes)


def test_a_bounded_output_on_data_outside_its_range_warns_at_the_callers_line():
    with pytest.warns(DataScaleWarning, match=r"output_activation='sigmoid' gives values in \[0, 1\]") as caught:
        AutoencoderTransformer(2, output_activation="sigmoid", epochs=1, random_state=0).fit(WINE)
    assert {record.filename for record in caught if record.category is DataScaleWarning} == {__file__}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        AutoencoderTransformer(2, output_activation="sigmoid", epochs=1, random_state=0).fit(DIGITS)


def test_a_users_encoder_with_a_layer_named_like_the_anchors_trains_as_its_own():
    import keras

    def encoder(n_features, n_components):
        inputs = keras.Input(shape=(n_features,))
        return keras.Model(inputs, keras.layers.Dense(n_components, name="pca_projection")(inputs))

    X = np.random.RandomState(0).rand(40, 6)
    model = AutoencoderTransformer(2, encoder=encoder, epochs=2, neighbor_weight=0.0, random_state=0).fit(X)
    assert model.transform(X).shape == (40, 2)


def test_the_floor_asks_for_confidence_not_a_point_ratio():
    from skautoencoder._engine.pca_floor import PcaFloor

    # 5% better than PCA on average, row errors scattered by 0.5: 40 rows
    # cannot tell that from worse, 4,000 can.
    def scattered(n_rows):
        return 0.95 + 0.5 * np.tile([1.0, -1.0], n_rows // 2)

    assert PcaFloor(np.ones(40)).ratio(scattered(40)) == pytest.approx(0.95)
    assert not PcaFloor(np.ones(40)).holds(scattered(40))
    assert PcaFloor(np.ones(4000)).holds(scattered(4000))
    # PCA itself meets a margin above 1, however scattered its rows' errors.
    one_large_error = np.array([100.0] + [0.01] * 33)
    assert PcaFloor(one_large_error, margin=1.02).holds(one_large_error)
    # A margin lets a map trade up to 2% of reconstruction, no more.
    assert PcaFloor(np.ones(4000), margin=1.02).holds(np.full(4000, 1.01))
    assert not PcaFloor(np.ones(4000), margin=1.02).holds(np.full(4000, 1.03))


def small_table_split(name):
    """A split of a small table on which, before the floor, the kept network was worse than PCA on the held-out rows."""
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X = load_iris().data if name == "iris" else StandardScaler().fit_transform(WINE)
    return train_test_split(X, test_size=0.25, random_state=102)


@pytest.mark.parametrize(
    "table, neighbor_weight, margin",
    # Held-out error over PCA's before the floor: 1.105 (the map), 1.037.
    [("iris", 1.0, 1.02), ("standardised wine", 0.0, 1.0)],
    ids=["map", "reconstruction"],
)
def test_a_network_that_overfits_a_small_table_is_not_kept(table, neighbor_weight, margin):
    X_train, X_test = small_table_split(table)
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(64, 64), epochs=100, neighbor_weight=neighbor_weight, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train)
    pca = PCA(2).fit(X_train)
    pca_error = np.mean((pca_reconstruction(pca, X_test) - X_test) ** 2)
    assert -model.score(X_test) <= margin * pca_error * (1 + 1e-5)


def test_a_kept_pca_start_is_said_with_verbose(capsys):
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(64, 64), epochs=100, neighbor_weight=0.0, verbose=1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(small_table_split("standardised wine")[0])
    assert "as well as PCA with 95% confidence, so the fit kept its PCA start" in capsys.readouterr().out


def test_small_data_holds_out_more_rows_and_large_data_ten_percent():
    from skautoencoder._fit_config import n_validation_rows

    assert n_validation_rows(150, "auto") == 45
    assert n_validation_rows(800, "auto") == 120
    assert n_validation_rows(60_000, "auto") == 6000
    assert n_validation_rows(60_000, 0.25) == 15_000


def test_the_fit_says_how_its_kept_state_compares_with_pca(tmp_path):
    X_train, _ = small_table_split("standardised wine")
    model = AutoencoderTransformer(2, hidden_layer_sizes=(64, 64), epochs=100, neighbor_weight=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train)
    floor = model.pca_floor_
    assert floor["kept"] == "start" and floor["held"] and floor["margin"] == 1.0
    assert floor["ratio"] == pytest.approx(1.0, rel=1e-5) and floor["validation_rows"] == 40
    model.save(tmp_path / "model.skae")
    assert load(tmp_path / "model.skae").pca_floor_ == floor
    assert AutoencoderTransformer(8, init="random", epochs=2, random_state=0).fit(DIGITS).pca_floor_ is None
