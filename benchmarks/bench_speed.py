"""Training and inference speed: this library vs the code users write by hand.

Compares, on the same data (digits scaled /16) and hyperparameters:

(a) the digits-visualization network 64-32-2-32-64, sigmoid, Adam, MSE,
    batch 8;
(b) the reconstruction network 64-32-64, relu/sigmoid, binary cross-entropy,
    batch 256;
    each trained by AutoencoderTransformer, by a plain Keras script
    (``model.fit``), by the same script tuned as a careful user would
    ("Keras tuned": ``compile(steps_per_execution=<one epoch>)``; "Keras
    tuned + XLA": also ``jit_compile=True``) and by scikit-learn's MLPRegressor on (X, X);
(c) transform latency (1 row, 1,797 rows) and throughput (1,000,000 rows):
    AutoencoderTransformer.transform vs PCA.transform vs Keras ``predict``;
(d) seconds per epoch and peak memory at 10k, 100k and 1M rows: epochs of
    ``partial_fit`` on one compiled function, and the peak resident memory
    training adds to a process already holding the data, for the first epoch
    (which also starts TensorFlow's graph or XLA runtime) and later ones;
(e) short fits with the default settings, once a fit of the same network
    has run (warm): ``fit(epochs=1)``, ``fit(epochs=10)``, one
    ``partial_fit`` call on a 256-row chunk (ten passes over five chunks,
    against ``fit(epochs=10)`` on the same rows, with both held-out errors),
    and a 12-fit ``GridSearchCV`` (2 layer sizes x 2 code sizes x 3 folds,
    50 epochs) against the time its fits spent in the training loop;
(f) seconds per epoch once compiled (median of a fit's epochs after its
    first) for each variant setting (dropout, batch normalisation,
    corruption, contractive, sparse, variational, tied weights), alone and
    with the neighbourhood term, on a (256, 128, 64) tanh network at batch
    16, 60 epochs on 75% of the digits, each combination's overhead over
    the plain network against the sum of its parts' overheads;
(g) the dispatch limit: microseconds per step of network (a) once compiled
    (median epoch after the first, 1,797 rows, 225 steps an epoch), in a
    fresh process with TensorFlow's default thread pools and with
    ``TF_NUM_INTRAOP_THREADS=1``, and whether both give the same loss
    curve to the bit; in each, the compiled epoch alone at 1, 8 and 32 rows
    a step, and at 8 rows with 2 and 4 steps per loop iteration;
(h) the first fits in a fresh process: ``fit(epochs=1)`` of the default 2-D
    map of the digits, then of a 3-D code (a second network), traced as the
    library does (without TensorFlow's AutoGraph) and with AutoGraph, in
    alternating fresh processes (medians of ``--repeats``).

Times are medians over ``--repeats`` runs; ratios come from the same run.
Prints a markdown table and writes JSON.

    python benchmarks/bench_speed.py                 # the full benchmark
    python benchmarks/bench_speed.py --quick         # a tiny run, seconds
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
from _report import machine, publish

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def digits():
    from sklearn.datasets import load_digits

    return (load_digits().data / 16).astype(np.float32)


def full_data_mse(reconstruct, X):
    return float(np.mean((reconstruct(X) - X) ** 2))


# -- the three trainers --------------------------------------------------------


def library_model(net, seed, *, epochs, early_stopping):
    """The network ``net`` as an AutoencoderTransformer."""
    from skautoencoder import AutoencoderTransformer

    return AutoencoderTransformer(
        net["code"],
        hidden_layer_sizes=net["hidden"],
        activation=net["activation"],
        code_activation=net["code_activation"],
        output_activation="sigmoid",
        loss=net["loss"],
        batch_size=net["batch_size"],
        epochs=epochs,
        early_stopping=early_stopping,
        random_state=seed,
    )


def train_library(X, net, seed):
    # Without early stopping: every trainer runs the same epochs.
    model = library_model(net, seed, epochs=net["epochs"], early_stopping=False)
    start = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - start
    return seconds, full_data_mse(lambda A: model.inverse_transform(model.transform(A)), X)


def keras_script_model(net, seed, **compile_options):
    """The network as a plain Keras script builds it, the way tutorials do.

    ``compile_options`` go to ``compile``, as a careful user tunes it.
    """
    from skautoencoder._engine.backend import import_keras

    keras = import_keras()
    init = keras.initializers.GlorotUniform(seed=seed)
    inputs = keras.Input(shape=(64,))
    x = inputs
    for units in net["hidden"]:
        x = keras.layers.Dense(units, activation=net["activation"], kernel_initializer=init)(x)
    code = keras.layers.Dense(net["code"], activation=net["code_activation"], kernel_initializer=init)(x)
    x = code
    for units in reversed(net["hidden"]):
        x = keras.layers.Dense(units, activation=net["activation"], kernel_initializer=init)(x)
    outputs = keras.layers.Dense(64, activation="sigmoid", kernel_initializer=init)(x)
    autoencoder = keras.Model(inputs, outputs)
    encoder = keras.Model(inputs, code)
    loss = "mean_squared_error" if net["loss"] == "mse" else "binary_crossentropy"
    autoencoder.compile(optimizer=keras.optimizers.Adam(), loss=loss, **compile_options)
    return autoencoder, encoder


def train_keras(X, net, seed, **compile_options):
    autoencoder, _ = keras_script_model(net, seed, **compile_options)
    start = time.perf_counter()
    autoencoder.fit(X, X, batch_size=net["batch_size"], epochs=net["epochs"], shuffle=True, verbose=0)
    seconds = time.perf_counter() - start
    return seconds, full_data_mse(lambda A: autoencoder(A).numpy(), X)


def train_mlp(X, net, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    activation = {"sigmoid": "logistic"}.get(net["activation"], net["activation"])
    model = MLPRegressor(
        hidden_layer_sizes=(*net["hidden"], net["code"], *reversed(net["hidden"])),
        activation=activation,
        batch_size=net["batch_size"],
        max_iter=net["epochs"],
        n_iter_no_change=net["epochs"],  # run every epoch, as the others do
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, X)
    seconds = time.perf_counter() - start
    return seconds, full_data_mse(model.predict, X)


def train_keras_tuned(X, net, seed, jit_compile=False):
    """Keras as a careful user tunes it: one compiled call per epoch (``steps_per_execution``)."""
    steps_per_epoch = -(-len(X) // net["batch_size"])
    return train_keras(X, net, seed, steps_per_execution=steps_per_epoch, jit_compile=jit_compile)


TRAINERS = {
    "skautoencoder": train_library,
    "plain Keras script": train_keras,
    "Keras tuned": train_keras_tuned,
    "Keras tuned + XLA": lambda X, net, seed: train_keras_tuned(X, net, seed, jit_compile=True),
    "MLPRegressor": train_mlp,
}

NETWORKS = {
    "(a) 64-32-2-32-64 sigmoid, MSE, batch 8": dict(
        hidden=(32,), code=2, activation="sigmoid", code_activation="sigmoid", loss="mse", batch_size=8, epochs=500
    ),
    "(b) 64-32-64 relu/sigmoid, BCE, batch 256": dict(
        hidden=(),
        code=32,
        activation="relu",
        code_activation="relu",
        loss="binary_crossentropy",
        batch_size=256,
        epochs=100,
    ),
}


def bench_training(X, repeats, epochs_scale, trainers):
    results = {}
    for name, net in NETWORKS.items():
        net = {**net, "epochs": max(1, int(net["epochs"] * epochs_scale))}
        results[name] = {}
        for trainer_name in trainers:
            trainer = TRAINERS[trainer_name]
            runs = [trainer(X, net, seed) for seed in range(repeats)]
            results[name][trainer_name] = {
                "epochs": net["epochs"],
                "seconds": statistics.median(r[0] for r in runs),
                "final_mse": statistics.median(r[1] for r in runs),
                "runs": runs,
            }
            print(f"  {name} | {trainer_name}: {results[name][trainer_name]['seconds']:.2f} s", file=sys.stderr)
    return results


# -- inference -----------------------------------------------------------------


def median_seconds(function, calls):
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_inference(X, n_large):
    from sklearn.decomposition import PCA

    from skautoencoder import AutoencoderTransformer

    net = NETWORKS["(a) 64-32-2-32-64 sigmoid, MSE, batch 8"]
    model = AutoencoderTransformer(
        2,
        hidden_layer_sizes=(32,),
        activation="sigmoid",
        code_activation="sigmoid",
        output_activation="sigmoid",
        epochs=2,
        random_state=0,
    ).fit(X)
    pca = PCA(2).fit(X)
    _, keras_encoder = keras_script_model(net, 0)
    large = np.random.RandomState(0).rand(n_large, 64).astype(np.float32)
    one, all_rows = X[:1], X
    methods = {
        "skautoencoder transform": model.transform,
        "PCA.transform": pca.transform,
        "Keras predict": lambda A: keras_encoder.predict(A, verbose=0),
    }
    results = {}
    for name, method in methods.items():
        method(one)  # warm up: compile, caches
        slow = name == "Keras predict"
        results[name] = {
            "one_row_ms": 1e3 * median_seconds(lambda: method(one), 20 if slow else 500),
            "digits_ms": 1e3 * median_seconds(lambda: method(all_rows), 10 if slow else 100),
        }
        seconds = median_seconds(lambda: method(large), 1 if slow else 3)
        results[name]["large_rows_per_s"] = n_large / seconds
        print(f"  inference | {name}: {results[name]}", file=sys.stderr)
    return results


# -- scaling (each size in a fresh process, for an honest peak memory) --------

SCALING_CHILD = r"""
import json, sys, time
import numpy as np
from skautoencoder import AutoencoderTransformer

def status_mb(field):  # this process's memory, from the kernel (Linux)
    with open("/proc/self/status") as file:
        return next(int(line.split()[1]) for line in file if line.startswith(field + ":")) / 1024

def reset_peak():  # VmHWM restarts from the current resident size
    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")

n = int(sys.argv[1])
params = dict(n_components=2, hidden_layer_sizes=(32,), activation="sigmoid", code_activation="sigmoid",
              output_activation="sigmoid", batch_size=32, early_stopping=False, random_state=0)
AutoencoderTransformer(**params, epochs=1).fit(np.random.rand(64, 64).astype(np.float32))  # load the runtime
X = np.empty((n, 64), dtype=np.float32)
rng = np.random.RandomState(0)
for start in range(0, n, 65536):  # fill in chunks: no float64 copy of the whole
    X[start:start + 65536] = rng.rand(min(65536, n - start), 64)
with_data = status_mb("VmRSS")
reset_peak()
# One epoch per partial_fit call, on one compiled function: the first call also
# starts TensorFlow's graph or XLA runtime; the next ones are timed.
model = AutoencoderTransformer(**params)
model.partial_fit(X)
first_fit_peak = status_mb("VmHWM")
before = status_mb("VmRSS")
reset_peak()
epoch_seconds = []
for _ in range(3):
    start = time.perf_counter()
    model.partial_fit(X)
    epoch_seconds.append(time.perf_counter() - start)
print(json.dumps({"rows": n, "seconds_per_epoch": float(np.median(epoch_seconds)), "data_mb": X.nbytes / 2**20,
                  "rss_with_data_mb": with_data, "first_epoch_extra_mb": first_fit_peak - with_data,
                  "later_epoch_extra_mb": status_mb("VmHWM") - before}))
"""


def child_json(arguments, env=None):
    """The JSON object a fresh Python process prints last, run with ``arguments``."""
    output = subprocess.run([sys.executable, *arguments], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_scaling(sizes):
    results = []
    for n in sizes:
        results.append(child_json(["-c", SCALING_CHILD, str(n)]))
        print(f"  scaling | {results[-1]}", file=sys.stderr)
    return results


# -- short fits ----------------------------------------------------------------


def bench_short_fits(X, fit_calls, grid_epochs):
    from sklearn.model_selection import GridSearchCV, train_test_split

    import skautoencoder._fitting as fitting
    from skautoencoder import AutoencoderTransformer

    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)

    def held_out_mse(model):
        return float(np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2))

    results = {}
    for epochs in (1, 10):
        AutoencoderTransformer(2, epochs=epochs, random_state=0).fit(X_train)  # warm
        results[f"fit(epochs={epochs}) s"] = median_seconds(
            lambda: AutoencoderTransformer(2, epochs=epochs, random_state=0).fit(X_train), fit_calls
        )
    chunks = [X_train[start : start + 256] for start in range(0, min(1280, len(X_train)), 256)]
    streamed = AutoencoderTransformer(2, random_state=0)
    call_seconds = []
    for _ in range(10):
        for chunk in chunks:
            start = time.perf_counter()
            streamed.partial_fit(chunk)
            call_seconds.append(time.perf_counter() - start)
    whole = AutoencoderTransformer(2, epochs=10, early_stopping=False, random_state=0).fit(np.concatenate(chunks))
    results.update(
        {
            "partial_fit first call s": call_seconds[0],
            "partial_fit warm call ms": 1e3 * statistics.median(call_seconds[len(chunks) :]),
            "50 partial_fit calls s": sum(call_seconds),
            "partial_fit held-out MSE": held_out_mse(streamed),
            "fit(epochs=10) held-out MSE": held_out_mse(whole),
        }
    )

    training_seconds = []
    train = fitting.train

    def timed_train(*args, **kwargs):  # the training loop alone, compilation included
        start = time.perf_counter()
        try:
            return train(*args, **kwargs)
        finally:
            training_seconds.append(time.perf_counter() - start)

    search = GridSearchCV(
        AutoencoderTransformer(epochs=grid_epochs, random_state=0),
        {"hidden_layer_sizes": [(64,), (128, 64)], "n_components": [2, 8]},
        cv=3,
        refit=False,
    )
    fitting.train = timed_train
    try:
        start = time.perf_counter()
        search.fit(X)
        grid_seconds = time.perf_counter() - start
    finally:
        fitting.train = train
    results.update(
        {
            "grid fits": len(training_seconds),
            "grid s": grid_seconds,
            "grid training loop s": sum(training_seconds),
            "grid / training loop": grid_seconds / sum(training_seconds),
        }
    )
    for name, value in results.items():
        print(f"  short fits | {name}: {value:.4g}", file=sys.stderr)
    return results


# -- variant combinations ------------------------------------------------------

# Each variant's settings on top of VARIANT_NETWORK; the neighbourhood term
# combines with each.
VARIANTS = {
    "plain": {},
    "dropout": {"dropout": 0.1},
    "batch normalisation": {"batch_normalization": True},
    "gaussian corruption": {"corruption": "gaussian"},
    "masking corruption": {"corruption": "masking"},
    "contractive": {"contractive_weight": 0.01},
    "sparse": {"activity_l1": 1e-4},
    "variational": {"variational": True},
    "tied weights": {"tied_weights": True},
}
VARIANT_NETWORK = dict(
    hidden_layer_sizes=(256, 128, 64),
    activation="tanh",
    batch_size=16,
    early_stopping=False,
    init="random",
    random_state=0,
)


def epoch_seconds(settings, X, epochs):
    """Median seconds of a fit's epochs after the first (which compiles)."""
    from skautoencoder import AutoencoderTransformer
    from skautoencoder._engine.backend import import_keras

    keras = import_keras()

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    model = AutoencoderTransformer(2, **VARIANT_NETWORK, **settings, epochs=epochs, callbacks=[EpochTimes()])
    model.fit(X)
    return statistics.median(model.callbacks_[0].seconds[1:])


def dispatch_child(epochs, quick=False):
    """Network (a)'s microseconds per compiled step and its loss curve, as JSON on stdout."""
    net = NETWORKS["(a) 64-32-2-32-64 sigmoid, MSE, batch 8"]
    X = digits()
    from skautoencoder._engine.backend import import_keras

    keras = import_keras()
    ends = []
    model = library_model(net, 0, epochs=epochs, early_stopping=False)
    model.set_params(
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: ends.append(time.perf_counter()))]
    )
    model.fit(X)
    steps = -(-len(X) // net["batch_size"])
    step_us = 1e6 * statistics.median(np.diff(ends)) / steps
    print(
        json.dumps(
            {
                "step_us": step_us,
                "loss_curve": model.loss_curve_,
                "compiled_epoch": compiled_epoch_steps(X, **QUICK_STEPS if quick else {}),
            }
        )
    )


# The compiled epoch alone in a quick run: enough calls to take a median, not to
# measure, and each configuration a plain graph (XLA would compile each for a second).
QUICK_STEPS = dict(n_steps=10, calls=3, jit_compile=False)


def compiled_epoch_steps(X, n_steps=225, calls=30, jit_compile=True):
    """Microseconds per step of network (a)'s compiled epoch alone, by rows per step and steps per loop iteration.

    Each configuration is a trainer of its own, compiled with XLA (or, with
    ``jit_compile=False``, as a plain graph); their calls (``n_steps`` steps
    each) alternate, and each figure is the median of ``calls``. If a step
    cost only its dispatch, it would not grow with the rows of a batch; if
    the loop's own overhead counted, running several steps per iteration
    would save it.
    """
    from skautoencoder._engine.backend import import_keras, import_tensorflow
    from skautoencoder._engine.compiled_trainer import CompiledTrainer
    from skautoencoder._engine.objectives import Objective

    keras, tf = import_keras(), import_tensorflow()

    def trainer():
        keras.utils.set_random_seed(0)
        dense = keras.layers.Dense
        encoder = keras.Sequential(
            [keras.Input((64,)), dense(32, activation="sigmoid"), dense(2, activation="sigmoid")]
        )
        decoder = keras.Sequential(
            [keras.Input((2,)), dense(32, activation="sigmoid"), dense(64, activation="sigmoid")]
        )
        return CompiledTrainer(Objective(encoder, decoder, "mse"), keras.optimizers.Adam())

    def several_steps_per_iteration(trainer, k):
        def epoch(batches, row_weights):
            total = tf.zeros((), dtype=tf.float32)
            for i in tf.range(tf.shape(batches)[0] // k):
                for j in range(k):
                    total += trainer._step(batches[i * k + j], row_weights[i * k + j])
            return total

        return tf.function(epoch, jit_compile=jit_compile)

    configurations = {f"{rows} row{'s' if rows > 1 else ''} a step": (rows, 1) for rows in (1, 8, 32)}
    configurations.update({f"8 rows a step, {k} steps per loop iteration": (8, k) for k in (2, 4)})
    runs = {}
    for name, (rows, k) in configurations.items():
        batches = np.resize(X.astype(np.float32), (n_steps * rows, X.shape[1])).reshape(n_steps, rows, -1)
        weights = np.ones((n_steps, rows), dtype=np.float32)
        if k == 1:
            epoch = trainer()._epoch_fns["xla" if jit_compile else "graph"]
        else:
            epoch = several_steps_per_iteration(trainer(), k)
        epoch(batches, weights)
        runs[name] = (epoch, batches, weights, [])
    for _ in range(calls):
        for epoch, batches, weights, seconds in runs.values():
            start = time.perf_counter()
            float(epoch(batches, weights))
            seconds.append(time.perf_counter() - start)
    return {name: 1e6 * statistics.median(run[3]) / n_steps for name, run in runs.items()}


def bench_dispatch(epochs, quick=False):
    """(g): network (a) per step in fresh processes, default thread pools against one intra-op thread."""
    results = {}
    for name, threads in (("default thread pools", None), ("TF_NUM_INTRAOP_THREADS=1", "1")):
        env = {key: value for key, value in os.environ.items() if key != "TF_NUM_INTRAOP_THREADS"}
        if threads:
            env["TF_NUM_INTRAOP_THREADS"] = threads
        arguments = [os.path.abspath(__file__), "--dispatch-child", str(epochs)] + (["--quick"] if quick else [])
        results[name] = child_json(arguments, env=env)
    curves = [r.pop("loss_curve") for r in results.values()]
    return {"steps": results, "same_loss_curve": curves[0] == curves[1]}


def first_fits_child(autograph, quick=False):
    """Seconds of the first two fits in this fresh process, as JSON on stdout.

    With ``autograph``, every ``tf.function`` the library makes is traced
    with AutoGraph, TensorFlow's default. A quick run fits 300 of the digits.
    """
    from skautoencoder import AutoencoderTransformer
    from skautoencoder._engine.backend import import_tensorflow

    tf = import_tensorflow()
    if autograph:
        function = tf.function
        tf.function = lambda *args, **kwargs: function(*args, **{**kwargs, "autograph": True})
    X = digits()[:300] if quick else digits()
    seconds = {}
    for name, n_components in (("first fit s", 2), ("second network s", 3)):
        start = time.perf_counter()
        AutoencoderTransformer(n_components, epochs=1, random_state=0).fit(X)
        seconds[name] = time.perf_counter() - start
    print(json.dumps(seconds))


def bench_first_fits(repeats, quick=False):
    """(h): the first fits of fresh processes, traced without and with AutoGraph."""
    runs = {"library (no AutoGraph)": [], "with AutoGraph": []}
    for _ in range(repeats):
        for name, runs_of_name in runs.items():
            autograph = str(int(name != "library (no AutoGraph)"))
            arguments = [os.path.abspath(__file__), "--first-fits-child", autograph] + (["--quick"] if quick else [])
            runs_of_name.append(child_json(arguments))
    return {
        name: {key: statistics.median(run[key] for run in runs_of_name) for key in runs_of_name[0]}
        for name, runs_of_name in runs.items()
    }


def bench_variant_combinations(X, epochs, variants=VARIANTS):
    from sklearn.model_selection import train_test_split

    X_train, _ = train_test_split(X, test_size=0.25, random_state=0)
    seconds = {}
    for name, settings in variants.items():
        for neighbors in (False, True):
            combined = {**settings, "neighbor_weight": 1.0} if neighbors else settings
            seconds[name, neighbors] = epoch_seconds(combined, X_train, epochs)
            print(
                f"  variants | {name}{' + neighbours' if neighbors else ''}: "
                f"{seconds[name, neighbors]:.4f} s per epoch",
                file=sys.stderr,
            )
    plain, neighbor_overhead = seconds["plain", False], seconds["plain", True] - seconds["plain", False]
    rows = []
    for name in variants:
        own_overhead = seconds[name, False] - plain
        rows.append(
            {
                "variant": name,
                "epoch s": seconds[name, False],
                "epoch s with neighbours": seconds[name, True],
                # The combination against the plain network plus both parts'
                # overheads over it, added up.
                "with neighbours / sum of parts": seconds[name, True] / (plain + own_overhead + neighbor_overhead),
            }
        )
    return rows


# -- report --------------------------------------------------------------------


def markdown(results):
    """The parts that ran, each as a markdown table."""
    lines = []
    if results["training"]:
        lines += [
            "| network | trainer | epochs | seconds (median) | vs skautoencoder | final MSE |",
            "|---|---|---|---|---|---|",
        ]
    for name, by_trainer in results["training"].items():
        base = by_trainer["skautoencoder"]["seconds"]
        for trainer, r in by_trainer.items():
            lines.append(
                f"| {name} | {trainer} | {r['epochs']} | {r['seconds']:.2f} | "
                f"{r['seconds'] / base:.1f}x | {r['final_mse']:.4f} |"
            )
    if results["inference"]:
        lines += [
            "",
            f"| encoder of (a) | 1 row (ms) | 1,797 rows (ms) | rows/s on {results['large_rows']:,} rows |",
            "|---|---|---|---|",
        ]
    for name, r in results["inference"].items():
        lines.append(f"| {name} | {r['one_row_ms']:.3f} | {r['digits_ms']:.2f} | {r['large_rows_per_s']:,.0f} |")
    if results["scaling"]:
        lines += [
            "",
            "| rows | seconds per epoch | data (MB) | RSS with data (MB) | first epoch's peak "
            "extra (MB) | later epochs' peak extra (MB) |",
            "|---|---|---|---|---|---|",
        ]
    for r in results["scaling"]:
        lines.append(
            f"| {r['rows']:,} | {r['seconds_per_epoch']:.3f} | {r['data_mb']:.1f} | {r['rss_with_data_mb']:.0f} "
            f"| {r['first_epoch_extra_mb']:.0f} | {r['later_epoch_extra_mb']:.0f} |"
        )
    if results["short_fits"]:
        lines += ["", "| short fits, warm (digits /16, default settings) | value |", "|---|---|"]
        lines += [f"| {name} | {value:.4g} |" for name, value in results["short_fits"].items()]
    if results["variants"]:
        lines += [
            "",
            "| variant (seconds per epoch, compiled) | alone | with neighbor_weight=1 | with "
            "neighbours / sum of parts |",
            "|---|---|---|---|",
        ]
    for r in results["variants"]:
        lines.append(
            f"| {r['variant']} | {r['epoch s']:.4f} | {r['epoch s with neighbours']:.4f} "
            f"| {r['with neighbours / sum of parts']:.2f} |"
        )
    if results.get("first_fits"):
        lines += [
            "",
            "| a fresh process, fit(epochs=1) of the digits | first fit (2-D map), s | second network (3-D), s |",
        ]
        lines.append("|---|---|---|")
        for name, r in results["first_fits"].items():
            lines.append(f"| {name} | {r['first fit s']:.2f} | {r['second network s']:.2f} |")
    if results.get("dispatch"):
        lines += ["", "| network (a), compiled | microseconds per step |", "|---|---|"]
        lines += [f"| {name} | {r['step_us']:.1f} |" for name, r in results["dispatch"]["steps"].items()]
        lines.append(f"| same loss curve, to the bit | {'yes' if results['dispatch']['same_loss_curve'] else 'no'} |")
        steps = results["dispatch"]["steps"]
        lines += ["", "| the compiled epoch alone, microseconds per step | " + " | ".join(steps) + " |"]
        lines.append("|---|" + "---|" * len(steps))
        for name in next(iter(steps.values()))["compiled_epoch"]:
            lines.append(f"| {name} | " + " | ".join(f"{r['compiled_epoch'][name]:.1f}" for r in steps.values()) + " |")
    return "\n".join(lines).strip()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that the script runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (default: 3)")
    parser.add_argument(
        "--parts",
        default="training,inference,scaling,short,variants,dispatch,first",
        help="comma-separated parts to run (default: all seven)",
    )
    parser.add_argument(
        "--trainers",
        default=",".join(TRAINERS),
        help="comma-separated trainers to time (default: all; skautoencoder always runs, for the ratios)",
    )
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "bench_speed.json"))
    parser.add_argument("--dispatch-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first-fits-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dispatch_child:
        dispatch_child(args.dispatch_child, args.quick)
        return 0
    if args.first_fits_child is not None:
        first_fits_child(bool(args.first_fits_child), args.quick)
        return 0
    trainers = ["skautoencoder"] + [t for t in args.trainers.split(",") if t and t != "skautoencoder"]
    unknown = sorted(set(trainers) - set(TRAINERS))
    if unknown:
        parser.error(f"unknown trainers: {', '.join(unknown)}; choose among: {', '.join(TRAINERS)}")
    X = digits()
    if args.quick:
        repeats, epochs_scale, n_large, sizes, grid_epochs, variant_epochs = 1, 0.004, 2000, [1000, 2000], 2, 3
        # Each variant is a new network to trace: a quick run times the plain one and three others.
        variants = {name: VARIANTS[name] for name in ("plain", "dropout", "variational", "tied weights")}
    else:
        repeats, epochs_scale, n_large, sizes = args.repeats, 1.0, 1_000_000, [10_000, 100_000, 1_000_000]
        grid_epochs, variant_epochs = 50, 60
        variants = VARIANTS
    import sklearn

    from skautoencoder._engine.backend import import_keras

    keras = import_keras()
    parts = set(args.parts.split(","))
    results = {
        "machine": machine(),
        "versions": {
            "keras": keras.__version__,
            "tensorflow": sys.modules["tensorflow"].__version__,
            "sklearn": sklearn.__version__,
        },
        "repeats": repeats,
        "large_rows": n_large,
        "training": bench_training(X, repeats, epochs_scale, trainers) if "training" in parts else {},
        "inference": bench_inference(X, n_large) if "inference" in parts else {},
        "scaling": bench_scaling(sizes) if "scaling" in parts else [],
        "short_fits": bench_short_fits(
            X[: 300 if args.quick else None], 1 if args.quick else max(repeats, 5), grid_epochs
        )
        if "short" in parts
        else {},
        "variants": bench_variant_combinations(X[: 400 if args.quick else None], variant_epochs, variants)
        if "variants" in parts
        else [],
        "dispatch": bench_dispatch(3 if args.quick else 100, args.quick) if "dispatch" in parts else {},
        "first_fits": bench_first_fits(repeats, args.quick) if "first" in parts else {},
    }
    publish(results, markdown(results), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
