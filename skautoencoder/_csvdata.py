"""Reading numeric CSV files for the command line, with one-line errors."""

import csv

import numpy as np


class DataError(ValueError):
    """A data file the command cannot use; the message is one line."""


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_numeric_csv(path, label=None, header="auto"):
    """Read a CSV of numbers, optionally splitting off a label column.

    Parameters
    ----------
    path : str or os.PathLike
    label : str or int, default=None
        The label column, by header name or by 0-based index (negative
        counts from the end); None when there is none.
    header : {"auto", "yes", "no"}, default="auto"
        Whether the first row names the columns; "auto" says yes when any of
        its cells is not a number.

    Returns
    -------
    X : ndarray of shape (n_rows, n_columns), float64
    labels : ndarray of shape (n_rows,) or None
        As read: integers when they all are, else strings.
    names : list of str
        The feature columns' names (``column0``… without a header).

    Raises
    ------
    DataError
        Missing or empty file, ragged rows, cells that are not numbers,
        NaN or infinite values, or a label column that does not exist.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            rows = [row for row in csv.reader(file) if row and any(cell.strip() for cell in row)]
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file.") from None
    except (OSError, csv.Error) as error:
        raise DataError(f"{path}: cannot be read as CSV ({error}).") from None
    if not rows:
        raise DataError(f"{path}: the file is empty.")
    for line, row in enumerate(rows, start=1):
        if any("\n" in cell or "\r" in cell for cell in row):
            raise DataError(f"{path}: a quoted cell starting on row {line} spans several lines; is a closing quote missing?")
    has_header = header == "yes" or (header == "auto" and not all(_is_number(c) for c in rows[0]))
    names = [c.strip() for c in rows[0]] if has_header else [f"column{i}" for i in range(len(rows[0]))]
    body = rows[1:] if has_header else rows
    if not body:
        raise DataError(f"{path}: there are no data rows.")
    width = len(names)
    for line, row in enumerate(body, start=2 if has_header else 1):
        if len(row) != width:
            raise DataError(f"{path}: row {line} has {len(row)} cells, expected {width}.")
    label_index = _label_index(path, label, names)
    label_values = None
    if label_index is not None:
        label_values = _labels([row[label_index].strip() for row in body])
        names = names[:label_index] + names[label_index + 1 :]
        body = [row[:label_index] + row[label_index + 1 :] for row in body]
    if not names:
        raise DataError(f"{path}: no feature columns are left besides the label.")
    X = np.empty((len(body), len(names)))
    for i, row in enumerate(body):
        for j, cell in enumerate(row):
            try:
                X[i, j] = float(cell)
            except ValueError:
                raise DataError(f"{path}: the cell {cell.strip()!r} in column {names[j]!r} is not a number.") from None
    if not np.all(np.isfinite(X)):
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise DataError(f"{path}: column {names[j]!r} holds {X[i, j]} (NaN or infinite values are not allowed).")
    return X, label_values, names


def _label_index(path, label, names):
    if label is None:
        return None
    if str(label) in names:
        return names.index(str(label))
    try:
        index = int(label)
    except ValueError:
        raise DataError(f"{path}: there is no label column named {label!r}.") from None
    if not -len(names) <= index < len(names):
        raise DataError(f"{path}: there is no column {index}; the file has {len(names)} columns.")
    return index % len(names)


def _labels(cells):
    try:
        values = np.array([float(c) for c in cells])
    except ValueError:
        return np.array(cells)
    if np.all(values == np.round(values)):
        return values.astype(int)
    return values
