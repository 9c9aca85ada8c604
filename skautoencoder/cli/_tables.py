"""Reading CSV files for the command line: whole columns at a time, one-line errors.

The reader never guesses silently. A first row that mixes numbers and text
(scikit-learn's bundled ``iris.csv`` starts with ``150,4,setosa,…``), a
column reference that could be a name or an index, or a text column among
the features is refused with a message saying which option settles it.
"""

import csv
import gzip
from dataclasses import dataclass, field

import numpy as np

# Delimiters tried, in order, when none is given; whitespace runs come last.
_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
# Headers pandas gives an unnamed index column: empty when written by
# DataFrame.to_csv(), "Unnamed: 0" after a read_csv/to_csv round trip.
_INDEX_HEADERS = ("", "Unnamed: 0")


class DataError(ValueError):
    """A data file the command cannot use; the message is one line."""


@dataclass
class Table:
    """A CSV file's numeric features, its label column and what was done to read it.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_features), float64
    labels : ndarray of shape (n_rows,) or None
        Integers when every label is one, else floats when every label is a
        number, else strings.
    names : list of str
        The feature columns' names (``column0``… when the file has no header).
    label_name : str or None
    has_header : bool
    notes : list of str
        One sentence per thing the reader did that the user should know of
        (a dropped index column, the delimiter it found).
    """

    X: np.ndarray
    labels: np.ndarray = None
    names: list = field(default_factory=list)
    label_name: str = None
    has_header: bool = False
    notes: list = field(default_factory=list)


def read_csv_table(path, *, label=None, drop=(), columns_by="auto", header="auto", skip_rows=0, delimiter=None):
    """Read a CSV file of numbers, with an optional label column.

    Parameters
    ----------
    path : str or os.PathLike
        Read through gzip when the name ends in ``.gz``.
    label : str or int, default=None
        The label column, by header name or by 0-based index (negative
        counts from the end); None when there is none.
    drop : sequence of str or int, default=()
        Columns left out, named like ``label``.
    columns_by : {"auto", "name", "index"}, default="auto"
        How ``label`` and ``drop`` name columns. "auto" takes a header name
        first and an integer as an index otherwise, and refuses a number that
        names one column and indexes another.
    header : {"auto", "yes", "no"}, default="auto"
        Whether the first row (after ``skip_rows``) names the columns. "auto"
        says yes when none of its cells is a number, no when all are, and
        refuses a row that mixes both.
    skip_rows : int, default=0
        Lines skipped at the top of the file (titles, metadata lines).
    delimiter : str, default=None
        The column separator; None finds it among ``, ; tab |`` and runs of
        whitespace from the first lines. ``" "`` or ``"whitespace"`` splits
        on runs of spaces and tabs.

    Returns
    -------
    table : Table

    Raises
    ------
    DataError
        With a one-line message for everything the file or the options get
        wrong: a missing file, no data, ragged rows, a mixed first row, text
        or missing cells among the features, an unknown or ambiguous column.

    Examples
    --------
    >>> import os, tempfile
    >>> from skautoencoder.cli._tables import read_csv_table
    >>> path = os.path.join(tempfile.mkdtemp(), "points.csv")
    >>> with open(path, "w") as file:
    ...     _ = file.write("x;y;kind\\n1;2;a\\n3;4;b\\n")
    >>> table = read_csv_table(path, label="kind")
    >>> table.X.tolist(), table.labels.tolist(), table.names
    ([[1.0, 2.0], [3.0, 4.0]], ['a', 'b'], ['x', 'y'])
    """
    lines, first_line = _read_lines(path, skip_rows)
    delimiter = _choose_delimiter(path, lines, delimiter)
    rows, line_numbers = _split_rows(path, lines, first_line, delimiter)
    has_header = _has_header(path, rows[0], header, len(rows) - 1)
    if has_header:
        names = [name.strip() for name in rows[0]]
        rows, line_numbers = rows[1:], line_numbers[1:]
    else:
        names = [f"column{i}" for i in range(len(rows[0]))]
    if not rows:
        raise DataError(f"{path}: there are no data rows.")
    _check_widths(path, names, rows, line_numbers, has_header)
    columns = [list(column) for column in zip(*rows)]
    del rows
    return _select_columns(path, names, columns, line_numbers, has_header, label, drop, columns_by)


def _read_lines(path, skip_rows):
    """The file's lines after ``skip_rows``, and the 1-based number of the first."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", newline="", encoding="utf-8-sig") as file:
            text = file.read()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file.") from None
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot be read ({error}).") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise DataError(f"{path}: the file is empty.")
    if skip_rows >= len(lines):
        raise DataError(f"{path}: --skip-rows {skip_rows} skips all {len(lines)} lines of the file.")
    return lines[skip_rows:], skip_rows + 1


def _choose_delimiter(path, lines, delimiter):
    if delimiter is not None:
        if delimiter in (" ", "whitespace"):
            return None
        if len(delimiter) != 1:
            raise DataError(f"--delimiter must be one character (or 'whitespace'), got {delimiter!r}.")
        return delimiter
    sample = [line for line in lines[: _SNIFF_LINES + 1] if line.strip()]
    # The first line may be a header or metadata line of another width, so
    # the lines below it decide when there are any.
    body = sample[1:] or sample
    widths = {candidate: {len(row) for row in csv.reader(body, delimiter=candidate)} for candidate in _CANDIDATE_DELIMITERS}
    widths[None] = {len(line.split()) for line in body}
    # A separator splitting every line into the same number of cells wins;
    # failing that, one found on every line (the rows are then ragged, and
    # the error names the first short or long row).
    for consistent in (True, False):
        for candidate, found in widths.items():
            if min(found) > 1 and (len(found) == 1 or not consistent):
                return candidate
    if all(len(line.split(",")) == 1 for line in body):
        return ","  # a single column
    raise DataError(
        f"{path}: cannot tell how the columns are separated (tried , ; tab | and spaces); pass --delimiter."
    )


def _split_rows(path, lines, first_line, delimiter):
    """Split non-blank lines into cells; ``delimiter=None`` splits on whitespace runs."""
    numbered = [(number, line) for number, line in enumerate(lines, start=first_line) if line.strip()]
    line_numbers = np.fromiter((number for number, _ in numbered), dtype=np.int64, count=len(numbered))
    text_lines = [line for _, line in numbered]
    if delimiter is None:
        rows = [line.split() for line in text_lines]
    else:
        try:
            rows = list(csv.reader(text_lines, delimiter=delimiter, strict=True))
        except csv.Error as error:
            hint = "; is a closing quote missing?" if "end of data" in str(error) else "."
            raise DataError(f"{path}: cannot be read as CSV ({error}){hint}") from None
    if len(rows) != len(text_lines):
        raise DataError(f"{path}: a quoted cell spans several lines; is a closing quote missing?")
    return rows, line_numbers


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _has_header(path, first_row, header, n_rows_below):
    if header != "auto":
        return header == "yes"
    cells = [cell.strip() for cell in first_row]
    numbers = [cell for cell in cells if cell and _is_number(cell)]
    texts = [cell for cell in cells if cell and not _is_number(cell)]
    if not numbers:
        return True
    if not texts:
        # All numbers: data, unless the first cell is empty, as in the header
        # pandas writes for a frame with an index and integer column names.
        return cells[0] == ""
    shown = ",".join(cells[:5]) + (",…" if len(cells) > 5 else "")
    hint = ""
    if len(numbers) >= 2 and cells[0] == str(n_rows_below) and numbers[0] == cells[0]:
        hint = f" It looks like scikit-learn's metadata line ({cells[0]} rows, {cells[1]} features)."
    raise DataError(
        f"{path}: the first row ({shown}) mixes numbers and text.{hint} Pass --skip-rows 1 to skip it, "
        "--header yes to take it as column names, or --header no to read it as data."
    )


def _check_widths(path, names, rows, line_numbers, has_header):
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    width = len(names)
    if np.all(widths == width):
        return
    if len(rows) >= 2 and np.all(widths == widths[0]):
        first = "the header" if has_header else "the first row"
        raise DataError(
            f"{path}: {first} has {width} cells but the rows below have {widths[0]}; "
            "if it is a title or metadata line, pass --skip-rows 1."
        )
    bad = int(np.flatnonzero(widths != width)[0])
    raise DataError(f"{path}: row {line_numbers[bad]} has {widths[bad]} cells, expected {width}.")


def _select_columns(path, names, columns, line_numbers, has_header, label, drop, columns_by):
    notes = []
    label_index = None if label is None else _resolve_column(path, names, label, columns_by, "--label", has_header)
    dropped = {_resolve_column(path, names, ref, columns_by, "--drop", has_header) for ref in drop}
    if label_index is not None and label_index in dropped:
        raise DataError(f"{path}: column {names[label_index]!r} is both the label and dropped.")
    if has_header and names[0] in _INDEX_HEADERS and label_index != 0 and 0 not in dropped and len(names) > 1:
        dropped.add(0)
        notes.append("dropped the first column: its header is empty, as in the index column pandas writes.")
    named = [(i, name or f"column{i}") for i, name in enumerate(names)]
    features = [(i, name) for i, name in named if i != label_index and i not in dropped]
    if not features:
        raise DataError(f"{path}: no feature columns are left besides the label and the dropped columns.")
    X = np.empty((len(line_numbers), len(features)))
    for j, (i, name) in enumerate(features):
        X[:, j] = _numeric_column(path, name, columns[i], line_numbers)
    if not np.all(np.isfinite(X)):
        row, j = np.argwhere(~np.isfinite(X))[0]
        raise DataError(
            f"{path}: row {line_numbers[row]} of column {features[j][1]!r} holds {X[row, j]} "
            "(NaN or infinite values are not allowed)."
        )
    labels = None if label_index is None else _labels(columns[label_index])
    return Table(
        X=X,
        labels=labels,
        names=[name for _, name in features],
        label_name=None if label_index is None else named[label_index][1],
        has_header=has_header,
        notes=notes,
    )


def _resolve_column(path, names, reference, columns_by, option, has_header):
    """The 0-based index of the column ``reference`` names."""
    text = str(reference).strip()
    by_name = names.index(text) if has_header and text in names else None
    try:
        by_index = int(text)
    except ValueError:
        by_index = None
    if by_index is not None and not -len(names) <= by_index < len(names):
        if by_name is None or columns_by == "index":
            raise DataError(f"{path}: there is no column {by_index}; the file has {len(names)} columns.")
        by_index = None
    if by_index is not None:
        by_index %= len(names)
    if columns_by == "name":
        if by_name is None:
            listed = ", ".join(names) if has_header else "none: the file has no header"
            raise DataError(f"{path}: there is no column named {text!r} (names: {listed}).")
        return by_name
    if columns_by == "index":
        if by_index is None:
            raise DataError(f"{path}: {option} {text!r} is not a column index (--columns-by index).")
        return by_index
    if by_name is not None and by_index is not None and by_name != by_index:
        raise DataError(
            f"{path}: {option} {text} is ambiguous: column {by_name} is named {text!r} and column "
            f"{by_index} is {names[by_index]!r}; pass --columns-by name or --columns-by index."
        )
    if by_name is not None:
        return by_name
    if by_index is None:
        raise DataError(f"{path}: there is no column named {text!r}.")
    return by_index


def _numeric_column(path, name, cells, line_numbers):
    try:
        return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells))
    except ValueError:
        pass
    for row, cell in enumerate(cells):
        if not _is_number(cell):
            where = f"row {line_numbers[row]} of column {name!r}"
            if not cell.strip():
                raise DataError(f"{path}: {where} is empty; fill or drop missing values first.")
            raise DataError(
                f"{path}: the cell {cell.strip()!r} in {where} is not a number; "
                "pass the column as --label or leave it out with --drop."
            )
    raise DataError(f"{path}: column {name!r} cannot be read as numbers.")


def _labels(cells):
    cells = np.char.strip(np.asarray(cells, dtype=np.str_))
    try:
        values = cells.astype(np.float64)
    except ValueError:
        return cells
    if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values

