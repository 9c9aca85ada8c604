"""scikit-learn's own estimator checks, on a small and fast configuration."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skautoencoder import AutoencoderTransformer

# None are expected to fail; keep reasons here if that ever changes.
EXPECTED_FAILED_CHECKS = {}


def small_autoencoder():
    return AutoencoderTransformer(
        n_components=2, hidden_layer_sizes=(4,), epochs=3, batch_size=16, random_state=0
    )


@parametrize_with_checks(
    [small_autoencoder()],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
