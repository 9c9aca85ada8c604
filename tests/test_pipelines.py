"""The estimator inside scikit-learn's composition and search tools."""

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, KernelPCA, TruncatedSVD
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler

from skautoencoder import AutoencoderTransformer, reconstruction_error, reconstruction_scorer


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.data[:300], data.target[:300]


def small(**params):
    defaults = dict(n_components=4, hidden_layer_sizes=(16,), epochs=10, random_state=0)
    return AutoencoderTransformer(**{**defaults, **params})


@pytest.mark.slow  # three folds, each a fit
def test_pipeline_scaler_autoencoder_classifier_in_cross_val_score(digits):
    X, y = digits
    pipeline = Pipeline(
        [("scale", MinMaxScaler()), ("reduce", small(n_components=8)), ("classify", LogisticRegression(max_iter=500))]
    )
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.5  # ten classes: chance is 0.1


@pytest.mark.slow  # two worker processes
def test_grid_search_over_layer_sizes_and_components_in_two_processes(digits):
    X, _ = digits
    grid = {"hidden_layer_sizes": [(8,), (16,)], "n_components": [2, 6]}
    search = GridSearchCV(small(), grid, cv=2, n_jobs=2).fit(X / 16)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["n_components"] == 6  # a wider code reconstructs better


@pytest.mark.slow  # many fits
def test_one_grid_compares_pca_and_the_autoencoder_on_the_same_score(digits):
    X, _ = digits
    pipeline = Pipeline([("scale", MinMaxScaler()), ("reduce", PCA())])
    grid = [
        {"reduce": [PCA()], "reduce__n_components": [2, 4]},
        {"reduce": [small()], "reduce__n_components": [2, 4]},
    ]
    search = GridSearchCV(pipeline, grid, cv=2, scoring=reconstruction_scorer).fit(X)
    names = [type(p["reduce"]).__name__ for p in search.cv_results_["params"]]
    assert names == ["PCA", "PCA", "AutoencoderTransformer", "AutoencoderTransformer"]
    scores = search.cv_results_["mean_test_score"]
    assert np.all(scores < 0)
    # Each score is the reconstruction error in the original (unscaled) space.
    refit = search.best_estimator_
    assert reconstruction_scorer(refit, X) == pytest.approx(-reconstruction_error(refit, X))


@pytest.mark.parametrize(
    "reducer",
    [PCA(3), KernelPCA(3, kernel="rbf", fit_inverse_transform=True), TruncatedSVD(3)],
    ids=["PCA", "KernelPCA", "TruncatedSVD"],
)
def test_reconstruction_scorer_works_for_any_invertible_transformer(digits, reducer):
    X = digits[0] / 16
    reducer.fit(X)
    expected = np.mean((X - reducer.inverse_transform(reducer.transform(X))) ** 2)
    assert reconstruction_scorer(reducer, X) == pytest.approx(-expected)


def test_reconstruction_scorer_refuses_transformers_without_inverse(digits):
    from sklearn.kernel_approximation import Nystroem

    features = Nystroem(n_components=4, random_state=0).fit(digits[0])
    with pytest.raises(TypeError, match="Nystroem has no inverse_transform"):
        reconstruction_scorer(features, digits[0])


def test_reconstruction_scorer_names_the_pipeline_step_that_cannot_invert_and_the_way_out(digits):
    from sklearn.preprocessing import StandardScaler

    X = digits[0][:200]
    columns = ColumnTransformer([("scaled", StandardScaler(), list(range(32)))])
    pipeline = Pipeline([("columns", columns), ("pca", PCA(4))]).fit(X)
    way_out = r"reconstruction_error\(pipeline\[1:\], pipeline\[:1\]\.transform\(X\)\)\.$"
    with pytest.raises(TypeError, match=r"^Pipeline has no inverse_transform.*step 'columns' \(ColumnTransformer\) "):
        reconstruction_scorer(pipeline, X)
    with pytest.raises(TypeError, match=way_out):
        reconstruction_scorer(pipeline, X)
    assert reconstruction_error(pipeline[1:], pipeline[:1].transform(X)) > 0


def test_autoencoder_score_equals_the_reconstruction_scorer(digits):
    X = digits[0] / 16
    autoencoder = small().fit(X)
    assert autoencoder.score(X) == pytest.approx(reconstruction_scorer(autoencoder, X), rel=1e-9)


def test_set_output_pandas_inside_a_column_transformer(digits):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(digits[0][:, :10] / 16, columns=[f"p{i}" for i in range(10)])
    X["age"] = np.arange(len(X), dtype=float)
    columns = ColumnTransformer(
        [("pixels", small(n_components=2), [f"p{i}" for i in range(10)]), ("rest", "passthrough", ["age"])]
    ).set_output(transform="pandas")
    out = columns.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["pixels__autoencodertransformer0", "pixels__autoencodertransformer1", "rest__age"]


class CountingAutoencoder(AutoencoderTransformer):
    """Records each fit, to tell how often a search refits the autoencoder."""

    fits = []

    def fit(self, X, y=None):
        CountingAutoencoder.fits.append(self.n_components)
        return super().fit(X, y)


@pytest.mark.slow  # 18 fits
def test_pipeline_memory_fits_the_autoencoder_once_per_fold_and_code_size(digits, tmp_path):
    X, y = digits
    reduce = CountingAutoencoder(hidden_layer_sizes=(8,), epochs=2, early_stopping=False, random_state=0)
    grid = {"reduce__n_components": [2, 4], "classify__C": [0.1, 1.0, 10.0]}
    for memory, expected_fits in ((None, 2 * 3 * 2 + 1), (str(tmp_path / "cache"), 2 * 2 + 1)):
        CountingAutoencoder.fits.clear()
        pipeline = Pipeline(
            [("scale", MinMaxScaler()), ("reduce", reduce), ("classify", LogisticRegression(max_iter=200))],
            memory=memory,
        )
        GridSearchCV(pipeline, grid, cv=2).fit(X, y)
        assert len(CountingAutoencoder.fits) == expected_fits


@pytest.mark.slow  # a search of 13 fits
def test_halving_search_over_epochs_as_the_resource(digits):
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingGridSearchCV

    X, _ = digits
    search = HalvingGridSearchCV(
        AutoencoderTransformer(early_stopping=False, random_state=0),
        {"hidden_layer_sizes": [(8,), (16,)], "n_components": [2, 4]},
        resource="epochs",
        min_resources=2,
        max_resources=6,
        factor=3,
        cv=2,
    ).fit(X / 16)
    assert list(search.n_resources_) == [2, 6]
    assert search.best_params_["epochs"] == 6
