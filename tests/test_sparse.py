"""SciPy sparse input: made dense a chunk of rows at a time, with the dense array's results."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

from skautoencoder import AutoencoderTransformer, _pca_anchor, _training_data
from skautoencoder.exceptions import NeighborhoodWarning

SETTINGS = dict(n_components=2, hidden_layer_sizes=(16,), epochs=3, random_state=0)


@pytest.fixture(scope="module")
def digits():
    # The digits' pixels are about half zeros.
    return load_digits().data[:500] / 16


FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.coo_array]


@pytest.mark.parametrize("neighbor_weight", [0.0, 1.0])
@pytest.mark.parametrize("sparse_format", FORMATS, ids=lambda f: f.__name__)
def test_sparse_input_gives_the_dense_arrays_results(digits, sparse_format, neighbor_weight):
    settings = dict(SETTINGS, neighbor_weight=neighbor_weight)
    dense = AutoencoderTransformer(**settings).fit(digits)
    sparse = AutoencoderTransformer(**settings).fit(sparse_format(digits))
    X = sparse_format(digits)
    # The same float32 rows, in the same order: the same training to the bit,
    # or with the neighbourhood term to float32 rounding, as any two seeded
    # fits with it (user guide, "Using it": Reproducibility; Python 3.12
    # measured codes 8.5e-8 apart).
    if neighbor_weight == 0:
        np.testing.assert_array_equal(sparse.loss_curve_, dense.loss_curve_)
        np.testing.assert_array_equal(sparse.transform(X), dense.transform(digits))
        np.testing.assert_array_equal(sparse.score_samples(X), dense.score_samples(digits))
        assert sparse.score(X) == dense.score(digits)
    else:
        np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-5)
        np.testing.assert_allclose(sparse.transform(X), dense.transform(digits), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(sparse.score_samples(X), dense.score_samples(digits), rtol=1e-4, atol=1e-7)
    np.testing.assert_array_equal(dense.transform(X), dense.transform(digits))  # fitted dense, given sparse


def test_the_reconstruction_scorer_takes_sparse_rows(digits):
    from sklearn.decomposition import TruncatedSVD

    from skautoencoder import reconstruction_scorer
    from skautoencoder.metrics import reconstruction_error

    X = sp.csr_matrix(digits)
    for reducer in (AutoencoderTransformer(**SETTINGS).fit(X), TruncatedSVD(2, random_state=0).fit(X)):
        assert reconstruction_error(reducer, X) == pytest.approx(reconstruction_error(reducer, digits), rel=1e-12)
        assert reconstruction_scorer(reducer, X) < 0


def test_partial_fit_and_float32_take_sparse_chunks(digits):
    X = sp.csr_matrix(digits.astype(np.float32))
    sparse, dense = AutoencoderTransformer(**SETTINGS), AutoencoderTransformer(**SETTINGS)
    for start in range(0, 500, 250):
        sparse.partial_fit(X[start : start + 250])
        dense.partial_fit(digits[start : start + 250].astype(np.float32))
    codes = sparse.transform(X)
    assert codes.dtype == np.float32
    np.testing.assert_array_equal(codes, dense.transform(digits.astype(np.float32)))


def test_a_large_sparse_matrix_gets_its_pca_anchor_without_being_made_dense(digits, monkeypatch):
    # Above DENSE_PCA_MAX_VALUES, PCA's ARPACK solver centres the sparse rows implicitly.
    dense_anchor = _pca_anchor.fit_pca_anchor(_pca_anchor.InMemoryRows(digits), np.arange(500), 2, seed=0)
    monkeypatch.setattr(_pca_anchor, "DENSE_PCA_MAX_VALUES", 100)
    rows = _pca_anchor.SparseRows(sp.csr_matrix(digits))
    sparse_anchor = _pca_anchor.fit_pca_anchor(rows, np.arange(500), 2, seed=0)
    np.testing.assert_allclose(sparse_anchor.mean, dense_anchor.mean, atol=1e-12)
    np.testing.assert_allclose(sparse_anchor.column_scale, dense_anchor.column_scale, rtol=1e-8)
    np.testing.assert_allclose(sparse_anchor.code_scale, dense_anchor.code_scale, rtol=1e-6)
    # The same directions, signs included (both are flipped the same way).
    np.testing.assert_allclose(sparse_anchor.components, dense_anchor.components, atol=1e-6)


def test_bad_sparse_input_is_refused_in_one_sentence_and_changes_nothing(digits):
    model = AutoencoderTransformer(**SETTINGS).fit(digits)
    codes = model.transform(digits)
    with_nan = sp.csr_matrix(digits)
    with_nan.data[3] = np.nan
    for method in (model.fit, model.transform, model.score):
        with pytest.raises(ValueError, match=r"^Sparse X holds NaN among its stored values; .* X\.toarray\(\)"):
            method(with_nan)
    np.testing.assert_array_equal(model.transform(digits), codes)
    with pytest.raises(ValueError, match=r"pretrain_epochs > 0 holds every training row in memory, dense"):
        AutoencoderTransformer(**SETTINGS, pretrain_epochs=1, init="random").fit(sp.csr_matrix(digits))
    with pytest.raises(ValueError, match="X has 63 features"):
        model.transform(sp.csr_matrix(digits[:, 1:]))


def test_a_map_of_many_sparse_rows_is_refused_or_left_off_by_auto_with_a_warning(digits, monkeypatch):
    monkeypatch.setattr(_training_data, "EXACT_MAX_ROWS", 100)
    X = sp.csr_matrix(digits)
    with pytest.raises(ValueError, match=r"neighbor_weight > 0 on sparse X needs at most 100 training rows.*SVD"):
        AutoencoderTransformer(**SETTINGS, neighbor_weight=1.0).fit(X)
    with pytest.warns(NeighborhoodWarning, match=r'neighbor_weight="auto" leaves the neighbourhood term off'):
        model = AutoencoderTransformer(**SETTINGS).fit(X)
    assert model.neighbor_graph_ is None
    # Reconstruction alone, with its own settings: as if neighbor_weight=0 were asked.
    plain = AutoencoderTransformer(**SETTINGS, neighbor_weight=0.0).fit(digits)
    np.testing.assert_array_equal(model.transform(X), plain.transform(digits))


def test_the_configuration_of_many_sparse_rows_is_built_once(digits, monkeypatch):
    # "auto" is resolved knowing the rows cannot be paired: no second
    # configuration for reconstruction alone.
    from skautoencoder._fit_config import FitConfig
    from skautoencoder._training_data import validated_training_data

    monkeypatch.setattr(_training_data, "EXACT_MAX_ROWS", 100)
    built = []
    original = FitConfig.from_params.__func__
    monkeypatch.setattr(
        FitConfig, "from_params", classmethod(lambda cls, *a, **k: built.append(1) or original(cls, *a, **k))
    )
    with pytest.warns(NeighborhoodWarning):
        config = validated_training_data(
            AutoencoderTransformer(**SETTINGS), sp.csr_matrix(digits), None, reset=True
        ).config
    assert len(built) == 1 and config.neighbor_weight == 0 and config.map_left_off
    assert config.reconstruction_alternative is None and config.n_training_rows == len(digits) - 120


def test_the_sparse_rows_limit_counts_training_rows_as_for_dense_rows(digits, monkeypatch):
    # 500 rows hold out 120 for validation: 380 training rows, within a limit of 400.
    monkeypatch.setattr(_training_data, "EXACT_MAX_ROWS", 400)
    model = AutoencoderTransformer(**SETTINGS, neighbor_weight=1.0).fit(sp.csr_matrix(digits))
    assert model.neighbor_graph_ is not None and model.neighbor_weight_ == 1.0


def test_labels_stay_in_the_loss_when_auto_leaves_the_map_off_for_many_sparse_rows(digits, monkeypatch):
    monkeypatch.setattr(_training_data, "EXACT_MAX_ROWS", 100)
    y = load_digits().target[: len(digits)]
    with pytest.warns(NeighborhoodWarning):
        labelled = AutoencoderTransformer(**SETTINGS, label_weight=1.0).fit(sp.csr_matrix(digits), y)
    plain = AutoencoderTransformer(**SETTINGS, neighbor_weight=0.0).fit(digits)
    # The classifier's cross-entropy (about log 10 at first) is in the loss.
    assert labelled.loss_curve_[0] > plain.loss_curve_[0] + 0.01
    np.testing.assert_array_equal(labelled.label_classes_, np.arange(10))


def test_a_tfidf_pipeline_swaps_truncated_svd_for_the_autoencoder():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    documents = [
        function.__doc__
        for module in (np, sp)
        for function in vars(module).values()
        if callable(function) and isinstance(getattr(function, "__doc__", None), str)
    ][:300]
    pipeline = make_pipeline(TfidfVectorizer(min_df=2), AutoencoderTransformer(**SETTINGS))
    codes = pipeline.fit_transform(documents)
    assert codes.shape == (len(documents), 2) and np.isfinite(codes).all()


@pytest.mark.slow  # 100,000 rows
@pytest.mark.filterwarnings("ignore::skautoencoder.exceptions.DataScaleWarning")  # random columns, not scaled
def test_sparse_rows_are_made_dense_a_chunk_at_a_time(tmp_path):
    """A fit and transform of a sparse matrix add a small fraction of its dense size.

    The memory a fit adds grows with the number of features (its chunks of
    dense rows), not with the rows: 2,000 features keep the matrix small
    enough to fit in seconds, and 100,000 rows make its dense copy eight
    times the bound, as 20,000 features once did with a bound of 1,000 MB.
    """
    import pathlib
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
    from _memory import AnonymousPeak

    # 100,000 x 2,000 at 0.1%: 763 MB dense as float32, 2.4 MB stored. The
    # entries sit at random coordinates (the few repeats add up): drawing
    # them without repeats among all 2e8, as scipy.sparse.random does,
    # took 17 s; these take milliseconds.
    rng = np.random.RandomState(0)
    n_rows, n_features, n_entries = 100_000, 2_000, 200_000
    coordinates = rng.randint(n_rows, size=n_entries), rng.randint(n_features, size=n_entries)
    X = sp.csr_matrix((rng.rand(n_entries).astype(np.float32), coordinates), shape=(n_rows, n_features))
    dense_mb = X.shape[0] * X.shape[1] * 4 / 2**20
    settings = dict(n_components=2, hidden_layer_sizes=(8,), batch_size=1024, epochs=1, neighbor_weight=0.0)
    model = AutoencoderTransformer(**settings, random_state=0)
    # TensorFlow's runtime and this network's compiled steps start (hundreds of MB, once) before the measurement.
    AutoencoderTransformer(**settings).fit(X[:2000]).transform(X[:2000])
    peak = AnonymousPeak()
    before = peak.peak_mb
    codes = model.fit(X).transform(X)
    added = peak.stop() - before
    assert codes.shape == (100_000, 2) and np.isfinite(codes).all()
    assert added < dense_mb / 8, added  # the network, its optimizer and a few dense chunks (37 MB measured)
