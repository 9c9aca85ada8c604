"""scikit-learn's own estimator checks, on a small and fast configuration."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skautoencoder import AutoencoderImputer, AutoencoderTransformer

# None are expected to fail; keep reasons here if that ever changes.
EXPECTED_FAILED_CHECKS = {}


def small_autoencoder(**variant):
    defaults = dict(n_components=2, hidden_layer_sizes=(4,), epochs=3, batch_size=16, random_state=0)
    return AutoencoderTransformer(**{**defaults, **variant})


class NamedBuilder:
    """A model-building function whose repr is its name, so test ids stay the same in every process."""

    def __init__(self, build):
        self.build = build

    def __call__(self, n_inputs, n_outputs):
        return self.build(n_inputs, n_outputs)

    def __repr__(self):
        return self.build.__name__


def _build_encoder(n_features, n_components):
    import keras

    inputs = keras.Input(shape=(n_features,))
    return keras.Model(inputs, keras.layers.Dense(n_components)(keras.layers.Dense(5, activation="tanh")(inputs)))


def _build_decoder(n_components, n_features):
    import keras

    inputs = keras.Input(shape=(n_components,))
    return keras.Model(inputs, keras.layers.Dense(n_features)(inputs))


build_encoder, build_decoder = NamedBuilder(_build_encoder), NamedBuilder(_build_decoder)


# Every variant, grouped so that each group's checks cover several at once.
ESTIMATORS = [
    small_autoencoder(),
    small_autoencoder(
        corruption="gaussian", activity_l1=1e-3, contractive_weight=1e-3, dropout=0.1, batch_normalization=True
    ),
    small_autoencoder(variational=True),
    small_autoencoder(image_shape=(-1, 1), hidden_layer_sizes=(3,)),
    small_autoencoder(
        pretrain_epochs=1, tied_weights=True, hidden_layer_sizes=(), activation="linear", corruption="masking"
    ),
    small_autoencoder(encoder=build_encoder, decoder=build_decoder),
    small_autoencoder(neighbor_weight=1.0, n_neighbors=3, corruption="gaussian", contractive_weight=1e-3),
    small_autoencoder(label_weight=1.0),
    AutoencoderImputer(hidden_layer_sizes=(4,), epochs=3, batch_size=16, random_state=0),
]


# The fast loop (-m "not slow") runs every check on the default configuration
# and these on the variants, on arrays in memory (the read-only memmap
# versions only on the default); the whole suite runs every check on all.
FAST_VARIANT_CHECKS = {
    "check_transformer_general",
    "check_fit_idempotent",
    "check_estimators_pickle",
    "check_methods_subset_invariance",
}


def is_slow(item):
    """Whether a collected check is left out of the fast loop."""
    estimator, check = item.callspec.params["estimator"], item.callspec.params["check"]
    if estimator is ESTIMATORS[0]:
        return False
    return check.func.__name__ not in FAST_VARIANT_CHECKS or "readonly_memmap" in check.keywords


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
