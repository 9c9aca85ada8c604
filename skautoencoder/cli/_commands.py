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
import contextlib
import csv
import io
import os
import sys
import time
import warnings

import numpy as np

from ._saved_models import load_model as _load_model
from ._saved_models import match_model_columns as _match_model_columns
from ._saved_models import save_pipeline as _save_pipeline
from ._staged import CommandError, StagedOutputs
from ._tables import DataError, _is_number, read_csv_table

# The command fits the library's defaults, ``AutoencoderTransformer(k)`` as a
# Python user gets it, with the scaling each subcommand states.


def _verbose(args):
    """The estimators' ``verbose``: a progress line, none with ``--quiet``."""
    return 0 if args.quiet else 1


def _epochs(args):
    """``epochs=`` for the estimator: the command's ``--epochs``, or the library's default."""
    return {} if args.epochs is None else {"epochs": args.epochs}


# -- shared steps ------------------------------------------------------------


def _save_figure(figure, path):
    figure.savefig(path, dpi=110, format="png")
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
    from ..metrics import knn_accuracy, reconstruction_error, trustworthiness_score

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

    from .. import AutoencoderTransformer, plotting

    figures = (["codes.png"] if args.n_components >= 2 else []) + ["reconstructions.png", "loss_curve.png"]
    destinations = {name: os.path.join(args.output, name) for name in figures}
    with StagedOutputs(list(destinations.values()), args.force) as outputs:
        digits = load_digits()
        X, y = digits.data / 16.0, digits.target
        X_train, X_test, y_train, y_test = _split(X, y, 0.25, args.random_state)
        print(f"Digits: {len(X_train)} training and {len(X_test)} held-out images of 8x8 pixels.")
        k = args.n_components
        print(
            f"Fitting PCA and two autoencoders with n_components={k} (pixels scaled to [0, 1]): "
            f"AutoencoderTransformer({k}), the defaults, and AutoencoderTransformer({k}, neighbor_weight=0), "
            "which trains for reconstruction alone..."
        )
        settings = dict(**_epochs(args), random_state=args.random_state, verbose=_verbose(args))
        autoencoder = AutoencoderTransformer(k, **settings)
        plain = AutoencoderTransformer(k, neighbor_weight=0.0, **settings)
        reducers = {"PCA": PCA(k), "autoencoder": autoencoder, "autoencoder, neighbor_weight=0": plain}
        results = _compare_on_split(reducers, X_train, X_test, y_train, y_test)
        rows = [row for row, _ in results.values()]
        print()
        print(_markdown_table(list(rows[0]), [list(r.values()) for r in rows]))
        if "codes.png" in destinations:
            figure, axes = _pyplot_for_files().subplots(
                1, len(results), figsize=(6 * len(results), 5), layout="constrained"
            )
            for ax, (name, (_, codes)) in zip(axes, results.items()):
                plotting.plot_codes(codes, y_test, ax=ax, title=f"{name}: held-out digits", label_name="digit")
            _save_figure(figure, outputs.path(destinations["codes.png"]))
        reconstructions = {name: r.inverse_transform(r.transform(X_test)) for name, r in reducers.items()}
        figure = plotting.plot_reconstructions(
            X_test, reconstructions, (8, 8), title="Held-out digits and reconstructions"
        )
        _save_figure(figure, outputs.path(destinations["reconstructions.png"]))
        figure, axes = _pyplot_for_files().subplots(1, 2, figsize=(12, 4), layout="constrained")
        for ax, (name, model) in zip(axes, [("autoencoder", autoencoder), ("autoencoder, neighbor_weight=0", plain)]):
            plotting.plot_loss_curve(model, ax=ax, title=f"{name}: loss per epoch")
        _save_figure(figure, outputs.path(destinations["loss_curve.png"]))
    print(f"\nFigures written to {args.output}/: {', '.join(figures)}")
    return 0


def _pyplot_for_files():
    """pyplot, on the Agg backend unless pyplot is already in use: the command line only writes figures to files."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# -- embed -------------------------------------------------------------------


def _read_table(args, columns=None):
    """Read ``args.data`` with the command's reading options; print what was read.

    ``columns``: a saved model's feature names, the only features wanted.
    """
    table = read_csv_table(
        args.data,
        label=args.label,
        drop=args.drop,
        keep=args.keep,
        columns=columns,
        columns_by=args.columns_by,
        header=args.header,
        skip_rows=args.skip_rows,
        delimiter=args.delimiter,
        decimal=args.decimal,
        missing=args.missing,
    )
    for note in table.notes:
        print(f"{os.path.basename(args.data)}: {note}")
    return table


def _describe_columns(table, limit=20):
    """One line naming the feature columns and the label."""
    names = table.names if len(table.names) <= limit else [*table.names[: limit // 2], "…", table.names[-1]]
    label = f"; label: {table.label_name}" if table.label_name is not None else "; no label"
    return f"{len(table.names)} columns: {', '.join(names)}{label}"


def _stem(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".csv", ".tsv", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or "data"


def _transform(model, X):
    """``model.transform(X)``; the columns are already matched by name."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X does not have valid feature names")
        return model.transform(X)


def _filled_for_a_model_without_nan(model, X):
    """``X``, its NaN filled with its columns' means where the saved model was fitted on complete rows.

    A model fitted on rows with NaN fills them itself, as it learned to
    (its ``fill_values_``); one fitted on complete rows refuses NaN.
    """
    autoencoder = model[-1] if hasattr(model, "steps") else model
    empty = np.isnan(X)
    if getattr(autoencoder, "fill_values_", None) is not None or not empty.any():
        return X
    print(
        f"Filled {empty.sum():,} empty cells with their columns' means in this file: "
        "the saved model was fitted on complete rows."
    )
    return np.where(empty, np.nanmean(X, axis=0), X)


def run_embed(args):
    """Fit on a CSV (or reuse a saved model) and write its codes and scatter."""
    stem = _stem(args.data)
    destinations = [os.path.join(args.output, f"{stem}_codes.csv"), os.path.join(args.output, f"{stem}_codes.png")]
    with StagedOutputs(destinations + ([args.save_model] if args.save_model else []), args.force) as outputs:
        if args.model:
            model = _load_model(args.model)
            table = _read_table(args, columns=list(getattr(model, "feature_names_in_", [])) or None)
            X = _match_model_columns(table, model, args.data, args.model)
            print(f"Encoding {len(X)} rows of {_describe_columns(table)}, with the saved model {args.model}.")
            X = _filled_for_a_model_without_nan(model, X)
        else:
            table = _read_table(args)
            model = _fit_embedding(table, args)
            X = table.X
        codes = _transform(model, X)
        _write_codes(outputs.path(destinations[0]), codes, table)
        if codes.shape[1] >= 2:
            figure = _plotting().plot_codes(
                codes, table.labels, title=f"{stem}: autoencoder codes", label_name=table.label_name or "label"
            )
            _save_figure(figure, outputs.path(destinations[1]))
        if args.save_model:
            _save_pipeline(model, outputs.path(args.save_model))
    if args.save_model:
        print(f"Model saved to {args.save_model}.")
    written = destinations if codes.shape[1] >= 2 else destinations[:1]
    print(f"Written: {', '.join(written)}")
    return 0


def _plotting():
    from .. import plotting

    return plotting


def _fit_embedding(table, args):
    """A Pipeline of min-max scaling and the autoencoder, fitted on the table."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler

    from .. import AutoencoderTransformer

    if len(table.X) < 2:
        raise CommandError(f"{args.data} has {len(table.X)} row; fitting needs at least 2.")
    autoencoder = AutoencoderTransformer(
        args.n_components, **_epochs(args), random_state=args.random_state, verbose=_verbose(args)
    )
    print(
        f"Fitting an autoencoder with n_components={args.n_components} on {len(table.X)} rows of "
        f"{_describe_columns(table)}, each column min-max scaled to [0, 1] on these rows."
    )
    model = Pipeline([("scale", MinMaxScaler()), ("autoencoder", autoencoder)]).fit(table.X)
    if table.has_header:
        model[0].feature_names_in_ = np.asarray(table.names, dtype=object)
    return model


def _write_codes(path, codes, table):
    """One line per data row of the file, in order; a row left out gets empty codes.

    The file's row names (R's, or pandas' index), when it has them, come
    first under their own header; the label comes last, as ``label``.
    """
    labels = table.all_labels
    cells = [[f"{v:.7g}" for v in row] for row in codes]
    if table.rows is not None:
        every_row = [[""] * codes.shape[1] for _ in range(table.n_rows)]
        for row, line in zip(table.rows.tolist(), cells):
            every_row[row] = line
        cells = every_row
    header = [f"code{i}" for i in range(codes.shape[1])]
    if labels is not None:
        cells = [
            row + ["" if label is None else _spreadsheet_safe(label)] for row, label in zip(cells, labels.tolist())
        ]
        header.append("label")
    if table.row_names is not None:
        cells = [[_spreadsheet_safe(name)] + row for name, row in zip(table.row_names.tolist(), cells)]
        header.insert(0, table.row_names_header)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([_spreadsheet_safe(name) for name in header])
        writer.writerows(cells)


# The first characters that make a spreadsheet read a text cell as a formula (OWASP's CSV injection advice).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell):
    """A text cell a spreadsheet would evaluate, behind an apostrophe (shown, not evaluated); numbers as they are."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) and not _is_number(cell):
        return "'" + cell
    return cell


# -- compare -----------------------------------------------------------------


def run_compare(args):
    """Sweep n_components for both methods and write the error curve."""
    from sklearn.preprocessing import MinMaxScaler

    from .. import AutoencoderTransformer
    from ..metrics import reconstruction_error

    stem = _stem(args.data)
    destinations = [os.path.join(args.output, f"{stem}_compare.csv"), os.path.join(args.output, f"{stem}_compare.png")]
    with StagedOutputs(destinations, args.force) as outputs:
        table = _read_table(args)
        X = table.X
        print(f"Comparing on {_describe_columns(table)}, each column min-max scaled to [0, 1] on the training rows.")
        sizes = [k for k in args.n_components if k <= X.shape[1]]
        dropped = [k for k in args.n_components if k > X.shape[1]]
        if not sizes:
            raise CommandError(f"every --n-components value exceeds the {X.shape[1]} feature columns of {args.data}.")
        if dropped:
            print(
                f"Leaving out n_components {', '.join(map(str, dropped))}: more than the {X.shape[1]} feature columns."
            )
        if len(X) < 8:
            raise CommandError(f"{args.data} has {len(X)} rows; comparing on a held-out split needs at least 8.")
        X_train, X_test, _, _ = _split(X, None, 0.25, args.random_state)
        scaler = MinMaxScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        errors = {"PCA": [], "autoencoder": []}
        for step, k in enumerate(sizes, start=1):
            print(f"[{step}/{len(sizes)}] n_components={k}")
            errors["PCA"].append(_pca_error(min(k, *X_train.shape), X_train, X_test))
            autoencoder = AutoencoderTransformer(
                k, **_epochs(args), random_state=args.random_state, verbose=_verbose(args)
            )
            errors["autoencoder"].append(reconstruction_error(autoencoder.fit(X_train), X_test))
        rows = [[k, errors["PCA"][i], errors["autoencoder"][i]] for i, k in enumerate(sizes)]
        header = ["n_components", "PCA held-out MSE", "autoencoder held-out MSE"]
        with open(outputs.path(destinations[0]), "w", newline="") as file:
            csv.writer(file).writerows([header] + [[k, f"{p:.7g}", f"{a:.7g}"] for k, p, a in rows])
        floor = _plot_floor(sizes, errors, X_test)
        figure = _plotting().plot_error_curve(
            sizes,
            errors,
            title=f"{stem}: held-out reconstruction error",
            floor=floor,
            ylabel="mean squared error\n(columns min-max scaled to [0, 1])",
        )
        _save_figure(figure, outputs.path(destinations[1]))
    print(_markdown_table(header, rows))
    print(f"Written: {', '.join(destinations)}")
    return 0


def _pca_error(k, X_train, X_test):
    """``PCA(k)``'s held-out error on the observed cells of ``X_test``.

    PCA takes no NaN: where cells are missing (``--fill-missing``), it is
    fitted on, and encodes, rows whose empty cells hold the training rows'
    column means, and is scored on the observed cells, as the autoencoder
    is.
    """
    from sklearn.decomposition import PCA
    from sklearn.impute import SimpleImputer

    from ..metrics import reconstruction_error

    if not (np.isnan(X_train).any() or np.isnan(X_test).any()):
        return reconstruction_error(PCA(k).fit(X_train), X_test)
    imputer = SimpleImputer(keep_empty_features=True).fit(X_train)
    pca = PCA(k).fit(imputer.transform(X_train))
    reconstruction = pca.inverse_transform(pca.transform(imputer.transform(X_test)))
    return float(np.nanmean(np.square(X_test - reconstruction)))


def _plot_floor(sizes, errors, X):
    """Where the error plot's axis stops, or None when every error is meaningful.

    An error below float32 rounding of the data (PCA keeping every
    component reaches ~1e-32) says "zero"; drawn as is, it stretches the log
    axis over dozens of decades. Such errors are drawn one decade below the
    smallest meaningful one, and the command says so.
    """
    precision = np.finfo(np.float32).eps ** 2 * float(np.nanmean(X**2))
    values = np.concatenate([np.asarray(v, dtype=float) for v in errors.values()])
    if np.all(values >= precision):
        return None
    meaningful = values[values >= precision]
    floor = float(meaningful.min()) / 10 if len(meaningful) else precision
    for name, method_errors in errors.items():
        for k, value in zip(sizes, method_errors):
            if value < precision:
                print(
                    f"{name}'s error at n_components={k} ({value:.2g}) is below float precision: "
                    f"plotted at {floor:.2g}, hollow."
                )
    return floor


# -- argument parsing --------------------------------------------------------


def _sizes(text):
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return sizes


def _integer_at_least(minimum):
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


_positive, _non_negative = _integer_at_least(1), _integer_at_least(0)


def _column_list(text):
    columns = [part.strip() for part in text.split(",") if part.strip()]
    if not columns:
        raise argparse.ArgumentTypeError(f"expected column names or indices separated by commas, got {text!r}")
    return columns


def build_parser():
    """The argument parser of the ``skautoencoder`` command."""
    parser = argparse.ArgumentParser(
        prog="skautoencoder", description="See what an autoencoder gives over PCA on your data."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="autoencoder vs PCA on the digits shipped with scikit-learn")
    demo.add_argument("--output", default="demo-output", help="folder for the figures (default: demo-output)")
    demo.add_argument("--n-components", type=_positive, default=2, help="code size (default: 2)")
    demo.add_argument("--epochs", type=_positive, help="most training epochs (default: the library's, 300)")
    demo.set_defaults(run=run_demo)

    def add_data_options(command):
        command.add_argument("data", help="a CSV file (.csv or .csv.gz), with or without a header row")
        command.add_argument("--label", help="the label column, by header name or 0-based index")
        command.add_argument(
            "--drop", type=_column_list, default=[], metavar="COL[,COL...]", help="columns to leave out"
        )
        command.add_argument(
            "--columns-by",
            choices=["auto", "name", "index"],
            default="auto",
            help="read --label and --drop as header names or 0-based indices (default: auto, refusing "
            "a number that could be either)",
        )
        command.add_argument(
            "--keep",
            type=_column_list,
            default=[],
            metavar="COL[,COL...]",
            help="columns to use although they only count the rows (left out by default, with a note)",
        )
        missing = command.add_mutually_exclusive_group()
        missing.add_argument(
            "--drop-incomplete",
            dest="missing",
            action="store_const",
            const="drop",
            default="refuse",
            help="leave out rows with empty (or NA) feature cells; their codes are left empty",
        )
        missing.add_argument(
            "--fill-missing",
            dest="missing",
            action="store_const",
            const="fill",
            help="keep empty (or NA) feature cells: the autoencoder sees each as its column's mean, no error counted",
        )
        command.add_argument(
            "--header", choices=["auto", "yes", "no"], default="auto", help="whether row 1 is a header"
        )
        command.add_argument("--skip-rows", type=_non_negative, default=0, metavar="N", help="lines to skip at the top")
        command.add_argument(
            "--delimiter", help="column separator, e.g. ';' or 'whitespace' (default: found from the first lines)"
        )
        command.add_argument(
            "--decimal",
            choices=["auto", ".", ","],
            default="auto",
            help="decimal mark (default: auto, a comma where a file not separated by commas writes 18,0)",
        )
        command.add_argument("--output", default=".", help="folder for the files written (default: .)")
        command.add_argument("--epochs", type=_positive, help="most training epochs (default: the library's, 300)")

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
        command.add_argument(
            "--quiet", action="store_true", help="print nothing but warnings and errors (on standard error)"
        )
    return parser


def main(argv=None):
    """Run the command; return its exit status.

    Errors in the data or the options, and the system's refusals to read or
    write (a full disk, a folder it may not write to), end the command with
    one line and status 1; anything else is a bug and keeps its traceback.
    """
    args = build_parser().parse_args(argv)
    _pyplot_for_files()
    prefix = f"skautoencoder {args.command}"
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, category, *_, **__: print(
            f"{prefix}: warning: {str(message).strip().splitlines()[0]}", file=sys.stderr
        )
        try:
            with contextlib.redirect_stdout(io.StringIO()) if args.quiet else contextlib.nullcontext():
                return args.run(args)
        except (CommandError, DataError) as error:
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            print(f"{prefix}: error: {message}", file=sys.stderr)
            return 1
        except OSError as error:  # the machine's, not the command's: a full disk, a folder it may not write
            where = f" ({error.filename})" if error.filename else ""
            print(f"{prefix}: error: {error.strerror or error}{where}; nothing was written.", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"{prefix}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
