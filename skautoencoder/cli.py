"""The ``skautoencoder`` command: what an autoencoder gives over PCA, in one run.

Subcommands:

- ``demo``: the digits that ship with scikit-learn, autoencoder vs PCA on a
  held-out split, a table and figures;
- ``embed DATA.csv``: codes and a scatter plot for any numeric CSV, or for
  new rows with a saved model;
- ``compare DATA.csv``: held-out reconstruction error against
  ``n_components`` for both methods.

Bad input ends the command with a one-line message and a non-zero status.
"""

import argparse
import csv
import os
import sys
import time

import numpy as np

from ._csvdata import DataError, read_numeric_csv

# Settings the demo uses on the 8x8 digits (values scaled to [0, 1]); chosen
# on held-out data to beat PCA's trustworthiness and neighbour accuracy at k=2.
DEMO_SETTINGS = dict(
    hidden_layer_sizes=(256, 128, 64),
    activation="tanh",
    output_activation="sigmoid",
    epochs=300,
    batch_size=16,
    early_stopping=True,
    n_iter_no_change=30,
)
# Settings for arbitrary CSV data, min-max scaled to [0, 1] by the command.
CSV_SETTINGS = dict(hidden_layer_sizes=(128, 64), activation="tanh", output_activation="sigmoid", batch_size=16)


class CommandError(Exception):
    """Ends the command with this one-line message."""


# -- shared steps ------------------------------------------------------------


def _output_folder(path, names, force):
    """Create ``path`` and refuse to overwrite any of ``names`` unless forced."""
    os.makedirs(path, exist_ok=True)
    existing = [n for n in names if os.path.exists(os.path.join(path, n))]
    if existing and not force:
        raise CommandError(f"{os.path.join(path, existing[0])} exists; pass --force to overwrite it.")
    return path


def _save_figure(figure, path):
    figure.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(figure)
    return path


def _markdown_table(header, rows):
    def cell(value):
        return f"{value:.4f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _split(X, labels, test_size, seed):
    from sklearn.model_selection import train_test_split

    stratify = labels if labels is not None and len(np.unique(labels)) < len(labels) / 2 else None
    if labels is None:
        X_train, X_test = train_test_split(X, test_size=test_size, random_state=seed)
        return X_train, X_test, None, None
    return train_test_split(X, labels, test_size=test_size, random_state=seed, stratify=stratify)


def _compare_on_split(reducers, X_train, X_test, y_train, y_test):
    """Fit each reducer on the training rows; measure it on the test rows."""
    from .metrics import knn_accuracy, reconstruction_error, trustworthiness_score

    results = {}
    for name, reducer in reducers.items():
        start = time.perf_counter()
        reducer.fit(X_train)
        fit_seconds = time.perf_counter() - start
        codes = reducer.transform(X_test)
        row = {"method": name, "held-out MSE": reconstruction_error(reducer, X_test)}
        row["trustworthiness (k=5)"] = trustworthiness_score(X_test, codes, n_neighbors=5)
        if y_train is not None:
            row["5-NN accuracy"] = knn_accuracy(reducer.transform(X_train), y_train, codes, y_test)
        row["fit s"] = f"{fit_seconds:.2f}"
        results[name] = (row, codes)
    return results


# -- demo --------------------------------------------------------------------


def run_demo(args):
    """Autoencoder vs PCA on scikit-learn's digits, with a table and figures."""
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    from . import AutoencoderTransformer, plotting

    figures = ["codes.png", "reconstructions.png", "loss_curve.png"]
    folder = _output_folder(args.output, figures, args.force)
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    X_train, X_test, y_train, y_test = _split(X, y, 0.25, args.random_state)
    print(f"Digits: {len(X_train)} training and {len(X_test)} held-out images of 8x8 pixels.")
    print(f"Fitting PCA and an autoencoder with n_components={args.n_components}...")
    autoencoder = AutoencoderTransformer(
        args.n_components, **{**DEMO_SETTINGS, "epochs": args.epochs}, random_state=args.random_state, verbose=1
    )
    reducers = {"PCA": PCA(args.n_components), "autoencoder": autoencoder}
    results = _compare_on_split(reducers, X_train, X_test, y_train, y_test)
    rows = [row for row, _ in results.values()]
    print()
    print(_markdown_table(list(rows[0]), [list(r.values()) for r in rows]))
    if args.n_components >= 2:
        figure, axes = _pyplot().subplots(1, 2, figsize=(12, 5), layout="constrained")
        for ax, (name, (_, codes)) in zip(axes, results.items()):
            plotting.plot_codes(codes, y_test, ax=ax, title=f"{name}: held-out digits")
        _save_figure(figure, os.path.join(folder, "codes.png"))
    reconstructions = {name: reducer.inverse_transform(reducer.transform(X_test)) for name, reducer in reducers.items()}
    _save_figure(
        plotting.plot_reconstructions(X_test, reconstructions, (8, 8), title="Held-out digits and reconstructions"),
        os.path.join(folder, "reconstructions.png"),
    )
    _save_figure(plotting.plot_loss_curve(autoencoder), os.path.join(folder, "loss_curve.png"))
    print(f"\nFigures written to {folder}/: {', '.join(figures)}")
    return 0


def _pyplot():
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- embed -------------------------------------------------------------------


class _MinMaxScaling:
    """Per-column scaling to [0, 1] that travels inside a saved model file."""

    def __init__(self, low, high):
        self.low = np.asarray(low, dtype=float)
        span = np.asarray(high, dtype=float) - self.low
        self.span = np.where(span > 0, span, 1.0)

    @classmethod
    def fit(cls, X):
        return cls(X.min(axis=0), X.max(axis=0))

    def apply(self, X):
        return (X - self.low) / self.span

    def to_json(self):
        return {"low": self.low.tolist(), "high": (self.low + self.span).tolist()}


def run_embed(args):
    """Fit on a CSV (or reuse a saved model) and write its codes and scatter."""
    from . import AutoencoderTransformer, plotting
    from ._persistence import save_estimator
    from ._version import __version__

    X, labels, names = read_numeric_csv(args.data, label=args.label, header=args.header)
    stem = os.path.splitext(os.path.basename(args.data))[0]
    outputs = [f"{stem}_codes.csv", f"{stem}_codes.png"]
    folder = _output_folder(args.output, outputs, args.force)
    if args.save_model and os.path.exists(args.save_model) and not args.force:
        raise CommandError(f"{args.save_model} exists; pass --force to overwrite it.")
    if args.model:
        autoencoder, extra = _load_model(args.model)
        n_features = autoencoder.n_features_in_
        scaling = _MinMaxScaling(**extra.get("input_scaling", {"low": [0.0] * n_features, "high": [1.0] * n_features}))
        if X.shape[1] != autoencoder.n_features_in_:
            raise CommandError(
                f"{args.data} has {X.shape[1]} feature columns but the model {args.model} "
                f"expects {autoencoder.n_features_in_}."
            )
        print(f"Encoding {len(X)} rows with the saved model {args.model}.")
    else:
        scaling = _MinMaxScaling.fit(X)
        autoencoder = AutoencoderTransformer(
            args.n_components, **{**CSV_SETTINGS, "epochs": args.epochs}, random_state=args.random_state, verbose=1
        )
        print(f"Fitting an autoencoder with n_components={args.n_components} on {len(X)} rows of {X.shape[1]} columns.")
        autoencoder.fit(scaling.apply(X))
    codes = autoencoder.transform(scaling.apply(X))
    with open(os.path.join(folder, outputs[0]), "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([f"code{i}" for i in range(codes.shape[1])] + (["label"] if labels is not None else []))
        for i, row in enumerate(codes):
            writer.writerow([f"{v:.7g}" for v in row] + ([labels[i]] if labels is not None else []))
    if codes.shape[1] >= 2:
        figure = plotting.plot_codes(codes, labels, title=f"{stem}: autoencoder codes")
        _save_figure(figure, os.path.join(folder, outputs[1]))
    if args.save_model:
        save_estimator(
            autoencoder, args.save_model, __version__, extra={"input_scaling": scaling.to_json(), "features": names}
        )
        print(f"Model saved to {args.save_model}.")
    print(f"Codes written to {os.path.join(folder, outputs[0])}.")
    return 0


def _load_model(path):
    from ._persistence import load_with_extra

    if not os.path.exists(path):
        raise CommandError(f"{path}: no such file.")
    return load_with_extra(path)


# -- compare -----------------------------------------------------------------


def run_compare(args):
    """Sweep n_components for both methods and write the error curve."""
    from sklearn.decomposition import PCA

    from . import AutoencoderTransformer, plotting
    from .metrics import reconstruction_error

    X, labels, _ = read_numeric_csv(args.data, label=args.label, header=args.header)
    stem = os.path.splitext(os.path.basename(args.data))[0]
    outputs = [f"{stem}_compare.csv", f"{stem}_compare.png"]
    folder = _output_folder(args.output, outputs, args.force)
    sizes = [k for k in args.n_components if k <= X.shape[1]]
    if not sizes:
        raise CommandError(f"every --n-components value exceeds the {X.shape[1]} feature columns of {args.data}.")
    if len(X) < 8:
        raise CommandError(f"{args.data} has {len(X)} rows; comparing on a held-out split needs at least 8.")
    X_train, X_test, _, _ = _split(X, None, 0.25, args.random_state)
    scaling = _MinMaxScaling.fit(X_train)
    X_train, X_test = scaling.apply(X_train), scaling.apply(X_test)
    errors = {"PCA": [], "autoencoder": []}
    for step, k in enumerate(sizes, start=1):
        print(f"[{step}/{len(sizes)}] n_components={k}")
        pca = PCA(min(k, *X_train.shape)).fit(X_train)
        errors["PCA"].append(reconstruction_error(pca, X_test))
        autoencoder = AutoencoderTransformer(
            k, **{**CSV_SETTINGS, "epochs": args.epochs}, random_state=args.random_state, verbose=1
        ).fit(X_train)
        errors["autoencoder"].append(reconstruction_error(autoencoder, X_test))
    rows = [[k, errors["PCA"][i], errors["autoencoder"][i]] for i, k in enumerate(sizes)]
    header = ["n_components", "PCA held-out MSE", "autoencoder held-out MSE"]
    with open(os.path.join(folder, outputs[0]), "w", newline="") as file:
        csv.writer(file).writerows([header] + [[k, f"{p:.7g}", f"{a:.7g}"] for k, p, a in rows])
    figure = plotting.plot_error_curve(sizes, errors, title=f"{stem}: held-out reconstruction error")
    _save_figure(figure, os.path.join(folder, outputs[1]))
    print(_markdown_table(header, rows))
    print(f"Written: {', '.join(os.path.join(folder, o) for o in outputs)}")
    return 0


# -- argument parsing --------------------------------------------------------


def _sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return sizes


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def build_parser():
    """The argument parser of the ``skautoencoder`` command."""
    parser = argparse.ArgumentParser(
        prog="skautoencoder", description="See what an autoencoder gives over PCA on your data."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="autoencoder vs PCA on the digits shipped with scikit-learn")
    demo.add_argument("--output", default="demo-output", help="folder for the figures (default: demo-output)")
    demo.add_argument("--n-components", type=_positive, default=2, help="code size (default: 2)")
    demo.add_argument("--epochs", type=_positive, default=DEMO_SETTINGS["epochs"], help="training epochs (default: 300)")
    demo.set_defaults(run=run_demo)

    def add_data_options(command):
        command.add_argument("data", help="a CSV file of numbers, with or without a header row")
        command.add_argument("--label", help="the label column, by header name or 0-based index")
        command.add_argument("--header", choices=["auto", "yes", "no"], default="auto", help="whether row 1 is a header")
        command.add_argument("--output", default=".", help="folder for the files written (default: .)")
        command.add_argument("--epochs", type=_positive, default=200, help="training epochs (default: 200)")

    embed = commands.add_parser("embed", help="codes and a scatter plot of a CSV's rows")
    add_data_options(embed)
    embed.add_argument("--n-components", type=_positive, default=2, help="code size (default: 2)")
    embed.add_argument("--save-model", metavar="PATH", help="save the fitted model here")
    embed.add_argument("--model", metavar="PATH", help="encode with this saved model instead of fitting")
    embed.set_defaults(run=run_embed)

    compare = commands.add_parser("compare", help="reconstruction error against n_components, vs PCA")
    add_data_options(compare)
    compare.add_argument(
        "--n-components", type=_sizes, default=[1, 2, 4, 8, 16], help="sizes to sweep (default: 1,2,4,8,16)"
    )
    compare.set_defaults(run=run_compare)

    for command in (demo, embed, compare):
        command.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
        command.add_argument("--force", action="store_true", help="overwrite files that exist")
    return parser


def main(argv=None):
    """Run the command; return its exit status."""
    args = build_parser().parse_args(argv)
    _pyplot()
    try:
        return args.run(args)
    except (CommandError, DataError, ValueError, OSError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"skautoencoder {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"skautoencoder {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
