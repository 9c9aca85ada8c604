"""Missing values (NaN): masked out of the loss, filled for the encoder, and imputed by AutoencoderImputer."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skautoencoder import AutoencoderImputer, AutoencoderTransformer, load

SETTINGS = dict(hidden_layer_sizes=(32,), epochs=15, random_state=0, neighbor_weight=0.0)


@pytest.fixture(scope="module")
def digits():
    return load_digits().data[:600] / 16


def with_missing(X, share, seed=0):
    X = X.copy()
    removed = np.random.RandomState(seed).rand(*X.shape) < share
    X[removed] = np.nan
    return X, removed


def test_the_encoder_sees_each_missing_entry_as_its_columns_observed_mean(digits):
    X, _ = with_missing(digits, 0.2)
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    np.testing.assert_allclose(model.fill_values_, np.nanmean(X, axis=0))
    filled = np.where(np.isnan(X), model.fill_values_, X)
    np.testing.assert_array_equal(model.transform(X), model.transform(filled))
    assert np.isfinite(model.transform(X)).all()


def test_missing_entries_count_no_error_in_the_loss_or_the_score(digits):
    X, removed = with_missing(digits, 0.2)
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    reconstruction = model.inverse_transform(model.transform(X))
    by_hand = np.nanmean((reconstruction - X) ** 2, axis=1)
    np.testing.assert_allclose(-model.score_samples(X), by_hand, rtol=1e-6)
    # Whatever the missing entries would have been, training ignores them:
    # the same rows with other values under the NaN train the same model.
    other = np.where(removed, 100.0, digits)
    other[removed] = np.nan
    again = AutoencoderTransformer(4, **SETTINGS).fit(other)
    np.testing.assert_array_equal(again.transform(X), model.transform(X))


def test_missing_entries_are_reconstructed_better_than_by_the_column_means(digits):
    X, removed = with_missing(digits, 0.2)
    model = AutoencoderTransformer(8, **{**SETTINGS, "epochs": 40}).fit(X)
    reconstruction = model.inverse_transform(model.transform(X))
    autoencoder_error = np.sqrt(np.mean((reconstruction - digits)[removed] ** 2))
    mean_error = np.sqrt(np.mean((SimpleImputer().fit_transform(X) - digits)[removed] ** 2))
    assert autoencoder_error < 0.8 * mean_error


def test_a_map_with_the_neighbourhood_term_fits_rows_with_missing_values(digits):
    X, _ = with_missing(digits, 0.1)
    settings = dict(hidden_layer_sizes=(32,), neighbor_weight=1.0, epochs=5, random_state=0)
    model = AutoencoderTransformer(2, **settings).fit(X)
    assert model.neighbor_graph_ is not None and np.isfinite(model.transform(X)).all()
    again = AutoencoderTransformer(2, **settings).fit(X)
    np.testing.assert_allclose(again.transform(X), model.transform(X), rtol=1e-4, atol=1e-5)


def test_the_default_map_is_compared_with_reconstruction_alone_on_rows_with_missing_values(digits):
    X, _ = with_missing(digits[:400], 0.1)
    model = AutoencoderTransformer(2, hidden_layer_sizes=(32,), epochs=5, random_state=0).fit(X)
    assert model.map_choice_["validation_rows"] == 120
    assert all(0 <= recall <= 1 for recall in model.map_choice_["neighbor_recall"].values())
    assert np.isfinite(model.transform(X)).all()


def test_rows_with_every_entry_missing_encode_as_the_fill_values_and_score_nan(digits):
    X, _ = with_missing(digits, 0.1)
    X[5] = np.nan
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    np.testing.assert_allclose(model.transform(X[5:6]), model.transform(model.fill_values_[None]))
    scores = model.score_samples(X)
    assert np.isnan(scores[5]) and np.isfinite(np.delete(scores, 5)).all()


def test_a_model_fitted_without_nan_refuses_it_in_one_sentence_and_changes_nothing(digits):
    model = AutoencoderTransformer(4, **SETTINGS).fit(digits)
    assert model.fill_values_ is None
    codes = model.transform(digits)
    X, _ = with_missing(digits, 0.1)
    for method in (model.transform, model.score, model.partial_fit):
        with pytest.raises(
            ValueError, match=r"^X holds NaN, but this AutoencoderTransformer was fitted on data without"
        ):
            method(X)
    np.testing.assert_array_equal(model.transform(digits), codes)


def test_partial_fit_takes_the_fill_values_from_its_first_chunk_with_nan(digits):
    X, _ = with_missing(digits, 0.2)
    model = AutoencoderTransformer(4, **SETTINGS)
    model.partial_fit(X[:300])
    fill_values = model.fill_values_.copy()
    model.partial_fit(X[300:]).partial_fit(digits[:100])  # complete rows are fine too
    np.testing.assert_array_equal(model.fill_values_, fill_values)
    assert len(model.loss_curve_) == 3 and np.isfinite(model.loss_curve_).all()


def test_scores_and_the_reconstruction_error_count_the_observed_entries(digits):
    from skautoencoder.metrics import reconstruction_error

    X, removed = with_missing(digits, 0.2)
    X[0] = np.nan  # a row with no observed entry
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    reconstruction = model.inverse_transform(model.transform(X))
    observed = ~np.isnan(X)
    expected = np.mean(np.square(reconstruction - X)[observed])
    assert reconstruction_error(model, X) == pytest.approx(expected, rel=1e-9)
    per_row = model.score_samples(X)
    assert np.isnan(per_row[0]) and np.isfinite(per_row[1:]).all()
    assert model.score(X) == pytest.approx(np.mean(per_row[1:]), rel=1e-12)
    with pytest.raises(ValueError, match="Every row of X is entirely missing"):
        model.score(np.full((3, X.shape[1]), np.nan))


def test_training_on_completes_rows_only_where_it_uses_them(digits, tmp_path, monkeypatch):
    import scipy.sparse as sp

    import skautoencoder._fitting

    X, _ = with_missing(digits, 0.1)
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    completions = []
    complete = skautoencoder._fitting.pca_completed
    monkeypatch.setattr(
        skautoencoder._fitting, "pca_completed", lambda *a, **kw: completions.append(1) or complete(*a, **kw)
    )
    # Sparse rows, a memmap and rows with NaN: the PCA start is built already, and no term pairs rows.
    model.partial_fit(sp.csr_matrix(digits[:100]))
    path = tmp_path / "rows.npy"
    np.save(path, digits[:100])
    model.partial_fit(np.load(path, mmap_mode="r")).partial_fit(X[:100])
    assert completions == [] and len(model.loss_curve_) == SETTINGS["epochs"] + 3
    # A new fit's PCA start needs them.
    AutoencoderTransformer(4, **SETTINGS).fit(X)
    assert completions == [1]


def test_pretraining_and_rows_read_block_by_block_refuse_nan(digits, tmp_path):
    X, _ = with_missing(digits, 0.1)
    with pytest.raises(ValueError, match=r"^pretrain_epochs > 0 trains each layer on complete rows; X holds NaN"):
        AutoencoderTransformer(4, **SETTINGS, pretrain_epochs=1, init="random").fit(X)
    # The tags scikit-learn's checks read say the same.
    assert not AutoencoderTransformer(pretrain_epochs=1).__sklearn_tags__().input_tags.allow_nan
    tags = AutoencoderTransformer().__sklearn_tags__().input_tags
    assert tags.allow_nan and tags.sparse
    path = tmp_path / "rows.npy"
    np.save(path, X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        AutoencoderTransformer(4, **SETTINGS).fit(np.load(path, mmap_mode="r"))


def test_fill_values_survive_pickling_and_saving(digits, tmp_path):
    X, _ = with_missing(digits, 0.2)
    model = AutoencoderTransformer(4, **SETTINGS).fit(X)
    model.save(tmp_path / "model.skae")
    for copy in (pickle.loads(pickle.dumps(model)), load(tmp_path / "model.skae")):
        np.testing.assert_array_equal(copy.fill_values_, model.fill_values_)
        np.testing.assert_array_equal(copy.transform(X), model.transform(X))


# -- AutoencoderImputer ----------------------------------------------------

IMPUTER = dict(hidden_layer_sizes=(32,), epochs=40, random_state=0)


def test_the_imputer_fills_every_nan_and_keeps_every_observed_entry(digits):
    X, removed = with_missing(digits * 16, 0.2)  # in the digits' own units
    imputed = AutoencoderImputer(**IMPUTER).fit_transform(X)
    assert not np.isnan(imputed).any()
    np.testing.assert_array_equal(imputed[~removed], X[~removed])
    mean_error = np.sqrt(np.mean((SimpleImputer().fit_transform(X) - digits * 16)[removed] ** 2))
    assert np.sqrt(np.mean((imputed - digits * 16)[removed] ** 2)) < 0.8 * mean_error


def test_an_imputer_fitted_on_complete_rows_fills_new_rows(digits):
    imputer = AutoencoderImputer(**IMPUTER).fit(digits[:400])
    X, removed = with_missing(digits[400:], 0.2)
    imputed = imputer.transform(X)
    mean_error = np.sqrt(np.mean((np.nanmean(digits[:400], axis=0) - digits[400:])[removed] ** 2))
    # Measured: 0.84x the error of the means (0.63x for rows it was fitted on).
    assert np.sqrt(np.mean((imputed - digits[400:])[removed] ** 2)) < 0.9 * mean_error
    assert imputer.transform(X.astype(np.float32)).dtype == np.float32


def test_the_imputer_in_a_pipeline_and_a_grid_search_with_feature_names(digits):
    pd = pytest.importorskip("pandas")
    X, _ = with_missing(digits, 0.2)
    frame = pd.DataFrame(X, columns=[f"pixel {i}" for i in range(64)])
    y = load_digits().target[:600]
    pipeline = make_pipeline(
        AutoencoderImputer(hidden_layer_sizes=(16,), epochs=3, random_state=0), LogisticRegression()
    )
    search = GridSearchCV(pipeline, {"autoencoderimputer__n_components": [8, 16]}, cv=2).fit(frame, y)
    assert search.best_params_["autoencoderimputer__n_components"] in (8, 16)
    imputer = search.best_estimator_[0]
    assert list(imputer.get_feature_names_out()) == list(frame.columns)
    assert imputer.set_output(transform="pandas").transform(frame).notna().all().all()


def test_a_failed_imputer_fit_changes_nothing(digits):
    X, _ = with_missing(digits, 0.2)
    imputer = AutoencoderImputer(hidden_layer_sizes=(8,), epochs=2, random_state=0).fit(X)
    filled = imputer.transform(X)
    bad = X[:, :10].copy()
    bad[:, 3] = np.nan
    with pytest.raises(ValueError, match="^Column 3 of X is missing in every row"):
        imputer.fit(bad)
    assert imputer.n_features_in_ == 64
    np.testing.assert_array_equal(imputer.transform(X), filled)


def test_the_imputers_invalid_layer_sizes_are_refused_in_its_own_name(digits):
    with pytest.raises(ValueError, match="The 'hidden_layer_sizes' parameter of AutoencoderImputer must be"):
        AutoencoderImputer(hidden_layer_sizes=(0,), epochs=1).fit(with_missing(digits[:100], 0.1)[0])
