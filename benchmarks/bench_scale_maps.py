"""2-D maps at the scale people map: 60,000 x 784 in memory and 1,000,000 x 64 on a memmap, against UMAP.

The rows are grey patches of scikit-learn's two sample photographs
(``load_sample_images``), cut at random places in one of their eight
rotations and mirror images, pixels in [0, 1]: 28 x 28 patches (784 values,
the shape of MNIST) and 8 x 8 patches (64 values). 5,000 rows more (1,000 in
a quick run) are held out. For each data set, the library's map
(``AutoencoderTransformer(2)``: the defaults, the neighbourhood term on) and
umap-learn's UMAP (its defaults, parallel: no ``random_state``) are fitted
on the training rows, the 1,000,000 rows from a float32 ``.npy`` file opened
as a memmap. Each fit runs in a process of its own, which reports:

- wall time per stage: the library's neighbour graph (``neighbor_graph_``)
  and its training; UMAP's whole fit (its graph and numba's compilation
  are inside it); each library is imported before the clock starts;
- the fit's peak anonymous memory (heap, not the memmap's file pages) and
  peak resident memory;
- trustworthiness (5 neighbours) of the held-out rows' codes.

A fit that runs past ``--limit`` seconds is stopped and said so.
``--scaling`` also times the library's graph and an epoch (after the first,
which compiles) at a tenth of the rows and at all 1,000,000, to compare their
growth with n log n.

    python benchmarks/bench_scale_maps.py                  # both data sets
    python benchmarks/bench_scale_maps.py --scaling        # and the growth from 10^5 to 10^6 rows
    python benchmarks/bench_scale_maps.py --scaling --umap-max-rows 100000   # as the user guide quotes it
    python benchmarks/bench_scale_maps.py --quick          # 3,000 x 784 and 8,000 x 64
"""

import argparse
import json
import math
import multiprocessing
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HELD_OUT = 5000


def image_patches(n_rows, side, seed):
    """``n_rows`` grey ``side`` x ``side`` patches of the sample photographs, as float32 rows in [0, 1]."""
    from sklearn.datasets import load_sample_images

    rng = np.random.RandomState(seed)
    images = [image.mean(axis=2).astype(np.float32) / 255 for image in load_sample_images().images]
    rows = np.empty((n_rows, side * side), dtype=np.float32)
    which, symmetry = rng.randint(len(images), size=n_rows), rng.randint(8, size=n_rows)
    for i in range(n_rows):
        image = images[which[i]]
        top, left = rng.randint(image.shape[0] - side + 1), rng.randint(image.shape[1] - side + 1)
        patch = np.rot90(image[top : top + side, left : left + side], symmetry[i] % 4)
        rows[i] = (patch[:, ::-1] if symmetry[i] >= 4 else patch).ravel()
    return rows


def write_data(directory, n_rows, side, held_out=HELD_OUT):
    """Write training rows to ``train.npy`` and ``held_out`` rows to ``test.npy``, block by block."""
    train = np.lib.format.open_memmap(
        os.path.join(directory, "train.npy"), mode="w+", dtype=np.float32, shape=(n_rows, side * side)
    )
    block = 100_000
    for start in range(0, n_rows, block):
        stop = min(start + block, n_rows)
        train[start:stop] = image_patches(stop - start, side, seed=1 + start // block)
    train.flush()
    np.save(os.path.join(directory, "test.npy"), image_patches(held_out, side, seed=0))


def fit_child(method, directory, storage, epochs, queue):
    """Fit one map on the files in ``directory``; put what was measured on ``queue``."""
    from _memory import AnonymousPeak, reset_peak, status_mb
    from sklearn.manifold import trustworthiness

    train = np.load(os.path.join(directory, "train.npy"), mmap_mode="r")
    X_test = np.load(os.path.join(directory, "test.npy"))
    X = train if storage == "memmap" else np.asarray(train)
    from skautoencoder._engine.backend import import_keras

    # Started here, without its start-up log lines (umap-learn imports it too when installed).
    import_keras()
    if method == "UMAP":
        import umap

        reducer = umap.UMAP(n_components=2)
    else:
        from skautoencoder import AutoencoderTransformer

        epoch_ends = []
        reducer = AutoencoderTransformer(
            2,
            random_state=0,
            callbacks=[epoch_timer(epoch_ends)],
            **({} if epochs is None else {"epochs": epochs}),
        )
    reset_peak()
    peak = AnonymousPeak()
    start = time.perf_counter()
    reducer.fit(X)
    fit_s = time.perf_counter() - start
    result = {"fit_s": fit_s, "peak_anonymous_mb": peak.stop(), "peak_rss_mb": status_mb("VmHWM")}
    if method != "UMAP":
        graph = reducer.neighbor_graph_
        result.update(graph_s=graph["seconds"], training_s=fit_s - graph["seconds"], graph=graph)
        result.update(epochs=reducer.n_iter_, epoch_s=steady_epoch_s(epoch_ends))
    result["trustworthiness"] = float(trustworthiness(X_test, reducer.transform(X_test), n_neighbors=5))
    queue.put(result)


def epoch_timer(epoch_ends):
    """A Keras callback that appends the time at each epoch's end to ``epoch_ends``."""
    from skautoencoder._engine.backend import import_keras

    return import_keras().callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epoch_ends.append(time.perf_counter())
    )


def steady_epoch_s(epoch_ends):
    """The median epoch after the first (which compiles the training loop); NaN for fewer than 2 epochs."""
    return float(np.median(np.diff(epoch_ends))) if len(epoch_ends) > 1 else float("nan")


def run_in_child(method, directory, storage, epochs, limit):
    """One fit in a fresh process, stopped after ``limit`` seconds."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=fit_child, args=(method, directory, storage, epochs, queue))
    child.start()
    child.join(limit)
    if child.is_alive():
        child.terminate()
        child.join()
        return {"stopped_after_s": limit}
    return queue.get() if not queue.empty() else {"failed": f"exit code {child.exitcode}"}


def scaling_child(directory, n_rows, queue):
    """The library's graph and an epoch after the first, on the first ``n_rows`` training rows (a memmap)."""
    from skautoencoder import AutoencoderTransformer

    X = np.load(os.path.join(directory, "train.npy"), mmap_mode="r")[:n_rows]
    epoch_ends = []
    # The map itself: at a tenth of a small --quick run, "auto" would also fit reconstruction alone.
    model = AutoencoderTransformer(
        2, neighbor_weight=1.0, epochs=4, random_state=0, callbacks=[epoch_timer(epoch_ends)]
    ).fit(X)
    queue.put({"graph_s": model.neighbor_graph_["seconds"], "epoch_s": steady_epoch_s(epoch_ends)})


def scaling(directory, sizes):
    context = multiprocessing.get_context("spawn")
    measured = {}
    for n_rows in sizes:
        queue = context.Queue()
        child = context.Process(target=scaling_child, args=(directory, n_rows, queue))
        child.start()
        child.join()
        measured[n_rows] = queue.get()
    return measured


def cell(result, key, fmt):
    return fmt.format(result[key]) if key in result else ""


def table(results, scaling_results):
    lines = [
        "| data | storage | method | graph (s) | training (s) | epochs | s per epoch | fit (s) | peak heap (MB) | "
        "peak RSS (MB) | held-out trustworthiness |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (data, storage, method), result in results.items():
        if "stopped_after_s" in result or "failed" in result:
            note = (
                f"stopped after {result['stopped_after_s']:.0f} s" if "stopped_after_s" in result else result["failed"]
            )
            lines.append(f"| {data} | {storage} | {method} | | | | | {note} | | | |")
            continue
        lines.append(
            f"| {data} | {storage} | {method} | {cell(result, 'graph_s', '{:.1f}')} | "
            f"{cell(result, 'training_s', '{:.0f}')} | {cell(result, 'epochs', '{}')} | "
            f"{cell(result, 'epoch_s', '{:.2f}')} | {result['fit_s']:.0f} | "
            f"{result['peak_anonymous_mb']:.0f} | {result['peak_rss_mb']:.0f} | {result['trustworthiness']:.3f} |"
        )
    if scaling_results:
        (small, first), (large, second) = sorted(scaling_results.items())
        n_log_n = (large * math.log(large)) / (small * math.log(small))
        lines += [
            "",
            f"| stage | {small:,} rows (s) | {large:,} rows (s) | ratio | n log n ratio |",
            "|---|---|---|---|---|",
        ]
        for stage, name in (("graph_s", "neighbour graph"), ("epoch_s", "an epoch (after the first)")):
            ratio = second[stage] / first[stage]
            lines.append(f"| {name} | {first[stage]:.1f} | {second[stage]:.1f} | {ratio:.1f} | {n_log_n:.1f} |")
    return "\n".join(lines)


def main():
    from _report import machine, publish

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3,000 x 784 and 8,000 x 64 rows")
    parser.add_argument("--epochs", type=int, default=None, help="the library's epochs (default: its default)")
    parser.add_argument("--large-epochs", type=int, default=None, help="the library's epochs on 10^6 rows only")
    parser.add_argument("--limit", type=float, default=1800.0, help="seconds a fit may run (default 1800)")
    parser.add_argument("--scaling", action="store_true", help="time the graph and one epoch at 10^5 and 10^6 rows")
    parser.add_argument("--skip-umap", action="store_true")
    parser.add_argument("--umap-max-rows", type=int, default=None, help="fit UMAP on data of at most this many rows")
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_scale_maps.json"))
    args = parser.parse_args()
    sizes = (
        [(3_000, 28, "in memory"), (8_000, 8, "memmap")]
        if args.quick
        else [
            (60_000, 28, "in memory"),
            (1_000_000, 8, "memmap"),
        ]
    )
    methods = ["autoencoder (defaults)"] + ([] if args.skip_umap else ["UMAP"])
    results, scaling_results = {}, {}
    with tempfile.TemporaryDirectory() as root:
        for n_rows, side, storage in sizes:
            directory = os.path.join(root, f"{n_rows}x{side * side}")
            os.makedirs(directory)
            write_data(directory, n_rows, side, held_out=1000 if args.quick else HELD_OUT)
            data = f"{n_rows:,} x {side * side}"
            for method in methods:
                if method == "UMAP" and args.umap_max_rows is not None and n_rows > args.umap_max_rows:
                    continue
                epochs = args.large_epochs if n_rows >= 10**6 and args.large_epochs else args.epochs
                result = run_in_child(method, directory, storage, epochs, args.limit)
                results[(data, storage, method)] = result
                print(data, storage, method, json.dumps(result), file=sys.stderr, flush=True)
            if args.scaling and storage == "memmap":
                scaling_results = scaling(directory, [n_rows // 10, n_rows])
    rendered = table(results, scaling_results)
    published = {
        "machine": machine(),
        "epochs": args.epochs,
        "large_epochs": args.large_epochs,
        "umap_max_rows": args.umap_max_rows,
        "results": [dict(data=d, storage=s, method=m, **r) for (d, s, m), r in results.items()],
        "scaling": {str(n): r for n, r in scaling_results.items()},
    }
    publish(published, rendered, args.output)


if __name__ == "__main__":
    main()
