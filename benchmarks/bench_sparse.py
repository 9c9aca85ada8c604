"""Sparse input: a 200,000 x 50,000 matrix under 3 GB, and a text corpus against TruncatedSVD.

(a) Memory: a random CSR matrix of 200,000 x 50,000 float32 values at 0.1%
    density (10 million stored values; 40 GB dense) is fitted
    (``AutoencoderTransformer(16, epochs=1)``, the defaults otherwise) and
    transformed in a process of its own, which reports the seconds of each
    and its peak resident memory (the matrix included).
(b) Text: the docstrings of the public functions and classes of NumPy,
    SciPy, scikit-learn, pandas and matplotlib, labelled by package, through
    ``TfidfVectorizer(min_df=3)``; 25% held out (stratified). At each k,
    ``TruncatedSVD(k)`` and ``AutoencoderTransformer(k)`` (defaults) on the
    TF-IDF rows: held-out reconstruction MSE (``inverse_transform``), and
    the held-out accuracy of a logistic regression trained on the training
    rows' codes.

    python benchmarks/bench_sparse.py           # both parts
    python benchmarks/bench_sparse.py --quick   # a tiny run
"""

import argparse
import inspect
import json
import multiprocessing
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PACKAGES = ("numpy", "scipy", "sklearn", "pandas", "matplotlib")


def random_csr(n_rows, n_features, density, seed=0):
    """A CSR matrix of ``density * n_features`` values in (0, 1] per row, at random columns.

    Built row by row from its stored values (``scipy.sparse.random`` draws
    a permutation of every cell: 80 GB at 200,000 x 50,000).
    """
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    per_row = max(1, int(round(density * n_features)))
    columns = np.sort(rng.randint(n_features, size=(n_rows, per_row)), axis=1)
    values = 1.0 - rng.random_sample((n_rows, per_row)).astype(np.float32)
    indptr = np.arange(0, n_rows * per_row + 1, per_row)
    X = sp.csr_matrix((values.ravel(), columns.ravel(), indptr), shape=(n_rows, n_features))
    X.sum_duplicates()  # two draws of one column add up
    return X


def memory_child(n_rows, n_features, density, queue):
    """Fit and transform a random sparse matrix; report seconds and peak memory."""
    from _memory import status_mb

    from skautoencoder import AutoencoderTransformer

    X = random_csr(n_rows, n_features, density)
    stored_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20
    model = AutoencoderTransformer(16, epochs=1, random_state=0)
    start = time.perf_counter()
    model.fit(X)
    fitted = time.perf_counter()
    codes = model.transform(X)
    done = time.perf_counter()
    queue.put(
        {
            "rows": n_rows,
            "features": n_features,
            "density": density,
            "stored_mb": stored_mb,
            "dense_gb": n_rows * n_features * 4 / 2**30,
            "fit_s": fitted - start,
            "transform_s": done - fitted,
            "codes_finite": bool(np.isfinite(codes).all()),
            "peak_rss_mb": status_mb("VmHWM"),
        }
    )


def docstrings(limit=None):
    """(texts, package labels) of the public callables' docstrings of :data:`PACKAGES`."""
    import importlib
    import pkgutil
    import warnings

    texts, labels = [], []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        seen = set()
        modules = [package]
        for info in pkgutil.iter_modules(package.__path__):  # one level down, without importing
            if info.name.startswith("_") or info.name in ("tests", "testing", "conftest"):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    modules.append(importlib.import_module(f"{package_name}.{info.name}"))
            except Exception:  # optional back-ends that are not installed
                continue
        for module in modules:
            for name, value in vars(module).items():
                doc = inspect.getdoc(value) if not name.startswith("_") and callable(value) else None
                if doc and len(doc) > 200 and id(value) not in seen:
                    seen.add(id(value))
                    texts.append(doc)
                    labels.append(package_name)
    order = np.random.RandomState(0).permutation(len(texts))[:limit]
    return [texts[i] for i in order], np.array(labels)[order]


def text_comparison(ks, quick):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from skautoencoder import AutoencoderTransformer

    texts, labels = docstrings(limit=1500 if quick else None)
    train_texts, test_texts, y_train, y_test = train_test_split(
        texts, labels, test_size=0.25, stratify=labels, random_state=0
    )
    vectorizer = TfidfVectorizer(min_df=3, dtype=np.float32)
    X_train, X_test = vectorizer.fit_transform(train_texts), vectorizer.transform(test_texts)
    rows = []
    for k in ks:
        reducers = {
            "TruncatedSVD": TruncatedSVD(k, random_state=0),
            "autoencoder": AutoencoderTransformer(k, random_state=0, **({"epochs": 3} if quick else {})),
        }
        for name, reducer in reducers.items():
            start = time.perf_counter()
            train_codes = reducer.fit_transform(X_train)
            fit_s = time.perf_counter() - start
            test_codes = reducer.transform(X_test)
            error = np.asarray(reducer.inverse_transform(test_codes) - X_test.toarray())
            classifier = LogisticRegression(max_iter=2000).fit(train_codes, y_train)
            rows.append(
                dict(
                    k=k,
                    method=name,
                    mse=float(np.mean(np.square(error))),
                    accuracy=float(classifier.score(test_codes, y_test)),
                    fit_s=fit_s,
                )
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    corpus = dict(documents=len(texts), terms=X_train.shape[1], density=X_train.nnz / np.prod(X_train.shape))
    return corpus, rows


def main():
    from _report import machine, publish

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-text", action="store_true")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_sparse.json"))
    args = parser.parse_args()
    memory = None
    if not args.skip_memory:
        shape = (5_000, 2_000, 0.01) if args.quick else (200_000, 50_000, 0.001)
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        child = context.Process(target=memory_child, args=(*shape, queue))
        child.start()
        child.join()
        memory = queue.get()
        print(json.dumps(memory), file=sys.stderr, flush=True)
    corpus, rows = (None, []) if args.skip_text else text_comparison([2, 16] if args.quick else [2, 16, 64], args.quick)
    lines = []
    if memory:
        lines += [
            "| rows | features | density | stored (MB) | dense (GB) | fit (s) | transform (s) | peak RSS (MB) |",
            "|---|---|---|---|---|---|---|---|",
            f"| {memory['rows']:,} | {memory['features']:,} | {memory['density']:g} | {memory['stored_mb']:.0f} | "
            f"{memory['dense_gb']:.0f} | {memory['fit_s']:.0f} | {memory['transform_s']:.1f} | "
            f"{memory['peak_rss_mb']:.0f} |",
            "",
        ]
    if corpus is None:
        publish({"machine": machine(), "memory": memory}, "\n".join(lines), args.output)
        return
    lines += [
        f"Text: {corpus['documents']:,} docstrings, {corpus['terms']:,} terms, density {corpus['density']:.4f}.",
        "",
        "| k | method | held-out MSE | MSE / TruncatedSVD | held-out accuracy (logistic regression) | fit (s) |",
        "|---|---|---|---|---|---|",
    ]
    svd = {row["k"]: row for row in rows if row["method"] == "TruncatedSVD"}
    for row in rows:
        lines.append(
            f"| {row['k']} | {row['method']} | {row['mse']:.3g} | {row['mse'] / svd[row['k']]['mse']:.3f} | "
            f"{row['accuracy']:.3f} | {row['fit_s']:.1f} |"
        )
    publish({"machine": machine(), "memory": memory, "corpus": corpus, "text": rows}, "\n".join(lines), args.output)


if __name__ == "__main__":
    main()
