"""Optional supervision: label_weight > 0 shapes the code by the labels that are known."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier

from skautoencoder import AutoencoderTransformer, load

SETTINGS = dict(hidden_layer_sizes=(64,), epochs=30, random_state=0)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:1000] / 16, y[:1000]


def held_out_accuracy(model, X, y):
    """5-NN accuracy on the last 250 rows, from the codes of the first 750."""
    codes = model.transform(X)
    return KNeighborsClassifier(5).fit(codes[:750], y[:750]).score(codes[750:], y[750:])


def test_without_label_weight_y_changes_nothing(digits):
    X, y = digits
    settings = {**SETTINGS, "epochs": 5}
    with_y = AutoencoderTransformer(2, **settings).fit(X, y)
    without = AutoencoderTransformer(2, **settings).fit(X)
    # Maps agree to float32 rounding (see random_state).
    np.testing.assert_allclose(with_y.transform(X), without.transform(X), rtol=1e-4, atol=1e-5)
    assert with_y.label_classes_ is None and with_y.n_iter_ == without.n_iter_


def test_the_classification_term_is_in_the_training_and_validation_losses(digits):
    X, y = digits
    settings = {**SETTINGS, "epochs": 1, "neighbor_weight": 0.0}
    plain = AutoencoderTransformer(2, **settings).fit(X, y)
    labelled = AutoencoderTransformer(2, label_weight=1.0, **settings).fit(X, y)
    # The untrained classifier's cross-entropy is about log(10) per row.
    assert labelled.loss_curve_[0] > plain.loss_curve_[0] + 0.01
    assert labelled.validation_loss_curve_[0] > plain.validation_loss_curve_[0] + 0.01


@pytest.mark.slow
def test_labels_part_the_classes_of_held_out_rows_and_a_tenth_of_them_costs_nothing():
    """With every training label the held-out classes part better, on average over three seeds.

    One seed's margin is within the noise of a single map: 450 held-out rows
    give each accuracy a standard error of about 0.012, and seeds move it as
    much. A tenth of the labels gains nothing measurable, and is averaged
    over the same seeds. The maps are those of the default map (2-D, the
    neighbourhood term) on a smaller network, (128, 64) at batch 32, which
    fits in about half the time of the default (256, 128, 64) at batch 16
    and shows the same effect. Measured, label_weight=0.1, Python 3.11,
    5-NN accuracy for seeds 0, 1, 2: without labels 0.902, 0.896, 0.907;
    with every label 0.911, 0.922, 0.933; with a tenth 0.900, 0.907, 0.900
    (seeds 3, 4, 5: 0.889, 0.898, 0.871; 0.911, 0.918, 0.918; 0.902, 0.911,
    0.909). The default network measured 0.909, 0.920, 0.920; 0.949, 0.951,
    0.947; 0.904, 0.929, 0.931 on seeds 0, 1, 2.
    """
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, test_size=0.25, random_state=0, stratify=y)

    def accuracy(model):
        return KNeighborsClassifier(5).fit(model.transform(X_train), y_train).score(model.transform(X_test), y_test)

    # The map on every fit, as neighbor_weight="auto" keeps it on these digits (without
    # the second fit for reconstruction alone that "auto" compares it with).
    def fitted(*data, label_weight=0.0, seed=0):
        return AutoencoderTransformer(
            2,
            hidden_layer_sizes=(128, 64),
            batch_size=32,
            neighbor_weight=1.0,
            label_weight=label_weight,
            random_state=seed,
        ).fit(*data)

    seeds = (0, 1, 2)
    unsupervised = np.mean([accuracy(fitted(X_train, seed=seed)) for seed in seeds])
    supervised = [fitted(X_train, y_train, label_weight=0.1, seed=seed) for seed in seeds]
    assert np.mean([accuracy(model) for model in supervised]) > unsupervised + 0.01
    few = np.where(np.random.RandomState(0).rand(len(y_train)) < 0.1, y_train, -1)
    semi_supervised = [fitted(X_train, few, label_weight=0.1, seed=seed) for seed in seeds]
    assert np.mean([accuracy(model) for model in semi_supervised]) > unsupervised - 0.02
    assert list(semi_supervised[0].label_classes_) == list(range(10))
    pca = PCA(2).fit(X_train)
    pca_error = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    assert -supervised[0].score(X_test) <= 0.7 * pca_error


def test_bad_labels_are_refused_in_one_sentence_and_change_nothing(digits):
    X, y = digits
    model = AutoencoderTransformer(2, label_weight=1.0, **{**SETTINGS, "epochs": 2}).fit(X, y)
    codes = model.transform(X)
    for labels, message in (
        (None, r"^label_weight=1.0 trains a classifier of the code on labels; pass y"),
        (y[:-1], r"^y holds 999 labels, but X has 1000 rows"),
        (np.where(y == 3, -1, 0), r"^label_weight > 0 needs known labels of at least 2 classes; y has 1 class "),
        (np.where(y == 3, "x", y.astype(object)), r"^y mixes labels of types int, str, which cannot be sorted"),
    ):
        with pytest.raises(ValueError, match=message):
            model.fit(X, labels)
    with pytest.raises(ValueError, match=r"^y holds labels the model was not fitted with: 10"):
        model.partial_fit(X, np.where(y == 3, 10, y))
    np.testing.assert_array_equal(model.transform(X), codes)


def test_unknown_text_labels_are_marked_as_in_sklearn_semi_supervised_or_by_a_missing_value(digits):
    """-1, None and NaN mark an unknown text label alike; the text '-1' is a class, and warned about."""
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    unknown = np.arange(len(y)) % 3 == 0
    settings = {**SETTINGS, "epochs": 2, "neighbor_weight": 0.0}
    codes = []
    for marker in (-1, None, np.nan):
        labels = np.where(unknown, marker, names.astype(object))
        model = AutoencoderTransformer(2, label_weight=1.0, **settings).fit(X, labels)
        assert list(model.label_classes_) == sorted(set(names))
        codes.append(model.transform(X))
    np.testing.assert_array_equal(codes[0], codes[1])
    np.testing.assert_array_equal(codes[0], codes[2])
    float_labels = np.where(unknown, np.nan, y.astype(float))
    assert list(AutoencoderTransformer(2, label_weight=1.0, **settings).fit(X, float_labels).label_classes_) == list(
        range(10)
    )
    with pytest.warns(UserWarning, match=r"^y holds the text '-1' in 334 rows, which is trained as a class"):
        model = AutoencoderTransformer(2, label_weight=1.0, **settings).fit(X, np.where(unknown, "-1", names))
    assert "-1" in list(model.label_classes_)


def test_text_labels_are_kept_through_pickling_saving_and_partial_fit(digits, tmp_path):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    model = AutoencoderTransformer(2, label_weight=1.0, **{**SETTINGS, "epochs": 3}).fit(X, names)
    assert list(model.label_classes_) == sorted(set(names))
    model.partial_fit(X[:100], names[:100])
    model.save(tmp_path / "model.skae")
    for copy in (pickle.loads(pickle.dumps(model)), load(tmp_path / "model.skae")):
        assert list(copy.label_classes_) == list(model.label_classes_)
        np.testing.assert_array_equal(copy.transform(X), model.transform(X))


def test_a_seeded_fit_with_labels_is_reproducible(digits):
    X, y = digits
    first, second = (
        AutoencoderTransformer(2, label_weight=1.0, **{**SETTINGS, "epochs": 5}).fit(X, y) for _ in range(2)
    )
    np.testing.assert_allclose(first.transform(X), second.transform(X), rtol=1e-4, atol=1e-5)


def test_partial_fit_takes_every_class_on_its_first_call_as_sklearn_incremental_estimators_do(digits):
    X, y = digits
    model = AutoencoderTransformer(2, label_weight=1.0, **{**SETTINGS, "epochs": 1, "neighbor_weight": 0.0})
    first, later = y < 5, y >= 5
    with pytest.raises(
        ValueError, match=r"^y holds labels the model was not fitted with: 5.*partial_fit with classes="
    ):
        AutoencoderTransformer(2, label_weight=1.0, **SETTINGS).partial_fit(X[first], y[first]).partial_fit(
            X[later], y[later]
        )
    model.partial_fit(X[first], y[first], classes=np.arange(10))
    model.partial_fit(X[later], y[later])  # a class the first chunk did not hold
    model.partial_fit(X[later], y[later], classes=np.arange(10))  # repeated, unchanged
    assert list(model.label_classes_) == list(range(10))
    codes = model.transform(X)
    with pytest.raises(ValueError, match=r"^classes=\[0, 1, 2\] differs from the classes the first call was given"):
        model.partial_fit(X[first], y[first], classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"names fewer than 2 classes"):
        AutoencoderTransformer(2, label_weight=1.0, **SETTINGS).partial_fit(X[:10], np.zeros(10), classes=[0])
    np.testing.assert_array_equal(model.transform(X), codes)
