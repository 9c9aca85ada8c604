"""Each autoencoder variant shows, on data, the property it exists for."""

import pickle

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, train_test_split

from skautoencoder import AutoencoderTransformer, load, reconstruction_error


@pytest.fixture(scope="module")
def digits():
    return load_digits().data / 16


@pytest.fixture(scope="module")
def split(digits):
    return train_test_split(digits, test_size=0.25, random_state=0)


def encoder_jacobian_norm(autoencoder, X):
    """Mean Frobenius norm of the encoder's Jacobian over the rows of X."""
    import tensorflow as tf

    x = tf.convert_to_tensor(X, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        code = autoencoder.encoder_(x)
    jacobian = tape.batch_jacobian(code, x).numpy()
    return float(np.mean(np.sqrt(np.sum(jacobian**2, axis=(1, 2)))))


# -- linear ------------------------------------------------------------------------


@pytest.mark.parametrize("k", [2, 8])
def test_linear_autoencoder_finds_the_pca_subspace(digits, k):
    linear = AutoencoderTransformer(
        k,
        hidden_layer_sizes=(),
        activation="linear",
        code_activation="linear",
        output_activation="linear",
        learning_rate=0.01,
        batch_size=64,
        epochs=300,
        early_stopping=False,
        init="random",
        neighbor_weight=0.0,
        random_state=0,
    ).fit(digits)
    pca = PCA(k).fit(digits)
    pca_error = reconstruction_error(pca, digits)
    assert reconstruction_error(linear, digits) <= 1.02 * pca_error
    decoder_kernel = linear.decoder_.get_layer("reconstruction").get_weights()[0]  # (k, 64)
    largest_angle = np.max(subspace_angles(decoder_kernel.T, pca.components_.T))
    assert largest_angle < 0.1


# -- denoising -----------------------------------------------------------------------


def test_denoising_model_cleans_corrupted_images_better(split):
    X_train, X_test = split
    params = dict(n_components=16, hidden_layer_sizes=(64,), output_activation="sigmoid", epochs=60, random_state=0)
    plain = AutoencoderTransformer(**params).fit(X_train)
    denoising = AutoencoderTransformer(**params, corruption="gaussian", corruption_level=0.3).fit(X_train)
    noisy = X_test + np.random.RandomState(1).normal(scale=0.3, size=X_test.shape)

    def error_against_clean(model):
        return np.mean((model.inverse_transform(model.transform(noisy)) - X_test) ** 2)

    assert error_against_clean(denoising) < error_against_clean(plain)


def assert_transform_is_the_keras_encoder_in_inference_mode(model, X):
    """No noise, dropout or batch statistics at transform time: the encoder run with training=False."""
    expected = np.asarray(model.encoder_(X.astype(np.float32), training=False))
    np.testing.assert_allclose(model.transform(X), expected, rtol=1e-5, atol=1e-5)


def test_masking_noise_trains_and_never_touches_transform(digits):
    model = AutoencoderTransformer(
        4, hidden_layer_sizes=(16,), corruption="masking", corruption_level=0.5, epochs=3, random_state=0
    ).fit(digits)
    assert_transform_is_the_keras_encoder_in_inference_mode(model, digits)


# -- sparse -------------------------------------------------------------------------------


def test_sparse_codes_are_smaller_at_similar_error_even_over_complete(split):
    X_train, X_test = split
    params = dict(
        n_components=96,
        hidden_layer_sizes=(),
        code_activation="relu",
        output_activation="sigmoid",
        epochs=40,
        random_state=0,
    )  # 96 > 64 features: over-complete
    with pytest.warns(UserWarning, match="n_components=96 is more than the 64 columns of X"):
        plain = AutoencoderTransformer(**params).fit(X_train)
    sparse = AutoencoderTransformer(**params, activity_l1=3e-5).fit(X_train)  # sparsity: no warning
    activity = {m: np.mean(np.abs(m.transform(X_test))) for m in (plain, sparse)}
    assert activity[sparse] < 0.75 * activity[plain]
    assert reconstruction_error(sparse, X_test) <= 1.2 * reconstruction_error(plain, X_test)


# -- contractive ---------------------------------------------------------------------------


def test_contractive_penalty_lowers_the_encoder_jacobian(split):
    X_train, X_test = split
    params = dict(
        n_components=8,
        hidden_layer_sizes=(32,),
        activation="tanh",
        output_activation="sigmoid",
        epochs=20,
        random_state=0,
    )
    plain = AutoencoderTransformer(**params).fit(X_train)
    contractive = AutoencoderTransformer(**params, contractive_weight=0.05).fit(X_train)
    assert encoder_jacobian_norm(contractive, X_test) < encoder_jacobian_norm(plain, X_test)


# -- variational ------------------------------------------------------------------------------


def test_variational_codes_follow_the_prior_and_samples_look_like_data(digits):
    vae = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(64,),
        output_activation="sigmoid",
        loss="binary_crossentropy",
        variational=True,
        beta=1.0,
        epochs=40,
        random_state=0,
    ).fit(digits)
    codes = vae.transform(digits)
    np.testing.assert_allclose(codes.mean(axis=0), 0, atol=0.25)
    np.testing.assert_allclose(codes.std(axis=0), 1, atol=0.25)
    samples = vae.sample(50, random_state=0)
    assert samples.shape == (50, 64)
    assert samples.min() >= 0 and samples.max() <= 1
    np.testing.assert_array_equal(samples, vae.sample(50, random_state=0))
    assert not np.array_equal(samples, vae.sample(50, random_state=1))


def test_variational_codes_are_the_mean_head_computed_in_float64_one_row_as_any_other(digits):
    from skautoencoder._engine.inference import DenseForward

    vae = AutoencoderTransformer(2, hidden_layer_sizes=(8,), variational=True, epochs=2, random_state=0).fit(digits)
    assert isinstance(vae._forward("encoder"), DenseForward)
    codes = vae.transform(digits)
    mean, _ = vae.encoder_(digits.astype(np.float32))
    np.testing.assert_allclose(codes, np.asarray(mean), atol=1e-5)
    # Computed in float64, a row's code does not depend on the rows around it.
    order = np.random.default_rng(0).permutation(len(digits))
    np.testing.assert_allclose(vae.transform(digits[order]), codes[order], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vae.transform(digits[-1:]), codes[-1:], rtol=1e-12, atol=1e-12)


def test_sample_needs_a_variational_model(digits):
    plain = AutoencoderTransformer(2, hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(digits)
    with pytest.raises(ValueError, match="fit with variational=True"):
        plain.sample(3)


# -- convolutional ----------------------------------------------------------------------------


def test_convolutional_rows_stay_flat_and_sit_in_a_pipeline(split):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X_train, X_test = split
    conv = AutoencoderTransformer(8, hidden_layer_sizes=(8, 16), image_shape=(8, 8), epochs=3, random_state=0)
    conv.fit(X_train)
    assert conv.transform(X_test).shape == (len(X_test), 8)
    assert conv.inverse_transform(conv.transform(X_test)).shape == X_test.shape
    layer_kinds = {type(layer).__name__ for layer in conv.encoder_.layers}
    assert {"Conv2D", "MaxPooling2D"} <= layer_kinds
    assert "UpSampling2D" in {type(layer).__name__ for layer in conv.decoder_.layers}
    y = load_digits().target
    y_train, _ = train_test_split(y, test_size=0.25, random_state=0)
    make_pipeline(conv, LogisticRegression(max_iter=200)).fit(X_train, y_train)


def test_odd_image_sizes_are_cropped_back(digits):
    X = np.random.RandomState(0).rand(40, 5 * 7 * 2)
    conv = AutoencoderTransformer(3, hidden_layer_sizes=(4, 4), image_shape=(5, 7, 2), epochs=1, random_state=0)
    assert conv.fit_transform(X).shape == (40, 3)
    assert conv.inverse_transform(np.zeros((2, 3))).shape == (2, 70)


# -- stacked, dropout, batch normalisation -------------------------------------------------


@pytest.mark.slow  # trains twice to compare the starts
def test_layerwise_pretraining_gives_a_better_start(digits):
    params = dict(
        n_components=4,
        hidden_layer_sizes=(32, 16),
        activation="sigmoid",
        output_activation="sigmoid",
        epochs=1,
        random_state=0,
    )
    cold = AutoencoderTransformer(**params).fit(digits)
    pretrained = AutoencoderTransformer(**params, pretrain_epochs=10).fit(digits)
    assert pretrained.loss_curve_[0] < cold.loss_curve_[0]


def test_dropout_and_batch_normalization_layers_are_built_and_inference_is_deterministic(digits):
    model = AutoencoderTransformer(
        2, hidden_layer_sizes=(16,), dropout=0.3, batch_normalization=True, epochs=3, random_state=0
    ).fit(digits)
    kinds = [type(layer).__name__ for layer in model.encoder_.layers]
    assert "Dropout" in kinds and "BatchNormalization" in kinds
    assert_transform_is_the_keras_encoder_in_inference_mode(model, digits)
    in_training_mode = np.asarray(model.encoder_(digits.astype(np.float32), training=True))
    assert not np.allclose(in_training_mode, model.transform(digits), atol=1e-5)  # dropout would have changed them


def test_tied_weights_keep_each_decoder_kernel_the_encoder_kernel_transposed(digits):
    params = dict(
        n_components=4,
        hidden_layer_sizes=(16,),
        activation="sigmoid",
        epochs=10,
        random_state=0,
        early_stopping=False,
        init="random",
    )
    tied = AutoencoderTransformer(**params, tied_weights=True).fit(digits)
    for encoder_layer, decoder_layer in [("encoder_hidden_1", "reconstruction"), ("code", "decoder_hidden_1")]:
        np.testing.assert_array_equal(
            tied.encoder_.get_layer(encoder_layer).get_weights()[0].T,
            tied.decoder_.get_layer(decoder_layer).get_weights()[0],
        )
    assert tied.loss_curve_[-1] < 0.7 * tied.loss_curve_[0]
    tied.partial_fit(digits)  # continues in a trainer of the estimator's own
    trained = tied._training_state.trainer.objective.trainable_variables
    untied_count = len(tied.encoder_.trainable_variables + tied.decoder_.trainable_variables)
    assert len(trained) == untied_count - 2  # the two decoder kernels are not separate variables


# -- bring your own model ------------------------------------------------------------------


def user_encoder():
    import keras

    inputs = keras.Input(shape=(64,))
    return keras.Model(inputs, keras.layers.Dense(3, activation="tanh")(keras.layers.Dense(20)(inputs)))


def build_decoder(n_components, n_features):
    import keras

    inputs = keras.Input(shape=(n_components,))
    return keras.Model(inputs, keras.layers.Dense(n_features, activation="sigmoid")(inputs))


def test_user_models_are_copied_never_changed(digits):
    encoder = user_encoder()
    before = [w.copy() for w in encoder.get_weights()]
    model = AutoencoderTransformer(3, encoder=encoder, decoder=build_decoder, epochs=5, random_state=0).fit(digits)
    assert model.encoder_ is not encoder
    for original, now in zip(before, encoder.get_weights()):
        np.testing.assert_array_equal(original, now)
    assert model.decoder_.output_shape == (None, 64)
    copied = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copied.transform(digits), model.transform(digits))
    from sklearn.base import clone

    assert clone(model).get_params()["decoder"] is build_decoder


def test_user_builders_with_unseeded_layers_are_reproducible_and_leave_random_alone(digits):
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    params = dict(n_components=3, encoder=lambda n_in, n_out: user_encoder(), decoder=build_decoder, epochs=2)
    first = AutoencoderTransformer(**params, random_state=0).fit(digits).transform(digits)
    second = AutoencoderTransformer(**params, random_state=0).fit(digits).transform(digits)
    np.testing.assert_array_equal(first, second)
    assert random.random() == expected


def test_user_encoder_of_the_wrong_width_is_refused_before_any_pass_over_the_data(digits, monkeypatch, tmp_path):
    from skautoencoder._data_sources import StreamedRows

    def no_pass(*args, **kwargs):
        raise AssertionError("the data was read before the encoder's widths were checked")

    # Rows on disk are read whole once at the door, for their ranges: the check comes before.
    monkeypatch.setattr(StreamedRows, "column_ranges", no_pass)
    np.save(tmp_path / "digits.npy", digits)
    on_disk = np.load(tmp_path / "digits.npy", mmap_mode="r")
    for rows in (digits, on_disk):
        with pytest.raises(
            ValueError, match="The encoder must map 64 to 2 columns \\(n_components=2\\); the one given maps 64 to 3"
        ):
            AutoencoderTransformer(2, encoder=user_encoder(), epochs=1).fit(rows)


def test_a_user_model_without_a_known_input_shape_is_refused_and_the_estimator_unchanged(digits):
    import keras

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, inputs):
            return self.dense(inputs)

    fitted = AutoencoderTransformer(3, epochs=1, random_state=0).fit(digits)
    codes = fitted.transform(digits)
    builders = {
        "Subclassed": lambda n_in, n_out: Subclassed(),
        "Sequential": lambda n_in, n_out: keras.Sequential([keras.layers.Dense(n_out)]),
    }
    for name, encoder in builders.items():
        fitted.set_params(encoder=encoder)
        with pytest.raises(TypeError, match=f"model whose input shape is known .*; the {name} given has none"):
            fitted.fit(digits)
        np.testing.assert_array_equal(fitted.transform(digits), codes)


# -- invalid combinations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(image_shape=(8, 9)), "image_shape=\\(8, 9\\) must be .* the number of features, 64"),
        (
            dict(corruption="masking", corruption_level=1.0),
            "corruption_level, the share of entries zeroed, in \\[0, 1\\)",
        ),
        (
            dict(variational=True, loss="binary_crossentropy", output_activation="sigmoid"),
            "needs every value of X in \\[0, 1\\]",
        ),
        (dict(variational=True, encoder=user_encoder), "cannot be combined with encoder="),
        (dict(pretrain_epochs=2, image_shape=(8, 8)), "pretrain_epochs > 0 .* cannot be combined"),
        # The convolutional network has no dense layers to regularise: refused, not silently dropped.
        (dict(dropout=0.2, image_shape=(8, 8)), "dropout regularise the dense layers; the convolutional network"),
        (
            dict(dropout=0.2, batch_normalization=True, image_shape=(8, 8)),
            "dropout and batch_normalization regularise the dense layers",
        ),
        (
            dict(tied_weights=True, variational=True),
            "tied_weights=True works on .* cannot be combined with image_shape, variational=True",
        ),
        (dict(corruption="salt"), "The 'corruption' parameter of AutoencoderTransformer must be"),
        (
            dict(dropout=1.0),
            "The 'dropout' parameter of AutoencoderTransformer must be a float in the range \\[0.0, 1.0\\)",
        ),
    ],
)
def test_invalid_combinations_name_the_parameters(digits, params, message):
    X = digits * 16 if params.get("loss") == "binary_crossentropy" else digits
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(2, epochs=1, **params).fit(X)


# -- every variant: persistence and one grid search ----------------------------------------------

VARIANTS = {
    "denoising": dict(corruption="gaussian", corruption_level=0.2),
    "sparse": dict(activity_l1=1e-3),
    "contractive": dict(contractive_weight=1e-2),
    "variational": dict(variational=True),
    "convolutional": dict(image_shape=(8, 8), hidden_layer_sizes=(4,)),
    "stacked": dict(pretrain_epochs=1, hidden_layer_sizes=(16, 8)),
    "dropout + batch norm": dict(dropout=0.2, batch_normalization=True),
    "tied weights": dict(tied_weights=True),
    "linear": dict(hidden_layer_sizes=(), activation="linear", output_activation="linear"),
    "neighbourhood": dict(neighbor_weight=1.0, n_neighbors=5),
}


# The variants whose models save differently (two outputs, image layers, a
# kernel shared by two layers) run in the fast loop; the others in the whole suite.
SAVED_DIFFERENTLY = {"variational", "convolutional", "tied weights"}


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=() if name in SAVED_DIFFERENTLY else pytest.mark.slow) for name in sorted(VARIANTS)],
)
def test_every_variant_pickles_saves_and_loads(digits, tmp_path, name):
    model = AutoencoderTransformer(3, epochs=2, random_state=0, **VARIANTS[name]).fit(digits[:300])
    codes = model.transform(digits[:50])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).transform(digits[:50]), codes)
    model.save(tmp_path / "model.skae")
    loaded = load(tmp_path / "model.skae")
    np.testing.assert_allclose(loaded.transform(digits[:50]), codes, rtol=1e-6, atol=1e-7)
    assert loaded.get_params() == model.get_params()


@pytest.mark.slow  # many fits
def test_one_grid_search_across_variants(digits):
    base = AutoencoderTransformer(4, hidden_layer_sizes=(16,), epochs=3, random_state=0)
    grid = [{name_key: [value] for name_key, value in params.items()} for params in VARIANTS.values()]
    search = GridSearchCV(base, grid, cv=2).fit(digits[:200])
    assert len(search.cv_results_["params"]) == len(VARIANTS)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
