"""Reading CSV tables for the command line: pandas' parser, and one message for every problem.

The reader never guesses silently. A first row that mixes numbers and text
(scikit-learn's bundled ``iris.csv`` starts with ``150,4,setosa,…``), a
column reference that could be a name or an index, text columns among the
features or empty cells are refused with one message naming every case and
the option that settles it. What it does of its own accord (leaving out a
column that only counts the rows, as R and pandas write them) it says in a
note.
"""

import codecs
import csv
import difflib
import gzip
import re
import shlex
import warnings
from dataclasses import dataclass, field

import numpy as np

# Delimiters tried, in order, when none is given; whitespace runs come last.
_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
# Headers pandas gives an unnamed index column: empty when written by
# DataFrame.to_csv(), "Unnamed: 0" after a read_csv/to_csv round trip.
_INDEX_HEADERS = ("", "Unnamed: 0")
# Cells read as missing: empty, and how R, pandas and spreadsheets write a
# missing value.
MISSING_CELLS = ("", "NA", "N/A", "NaN", "nan", "#N/A", "null", "NULL")
# How many columns a message names before it says "and N more".
_LISTED = 8


class DataError(ValueError):
    """A data file the command cannot use; the message is one line."""


@dataclass
class Table:
    """A CSV file's numeric features, its label column and what was done to read it.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_features), float64
        The rows kept (see ``rows``); NaN marks a missing cell kept for the
        autoencoder to fill (``missing="fill"``).
    labels : ndarray of shape (n_rows,) or None
        The kept rows' labels: integers when every label is one, else floats
        when every label is a number, else strings; an empty label is None
        (in an object array).
    all_labels : ndarray of shape (n_file_rows,) or None
        The labels of every data row of the file.
    names : list of str
        The feature columns' names (``column0``… when the file has no header).
    label_name : str or None
    has_header : bool
    notes : list of str
        One sentence per thing the reader did that the user should know of
        (a column left out, rows dropped, empty cells kept).
    rows : ndarray of int or None
        Which of the file's data rows ``X`` holds, when some were dropped
        (``missing="drop"``); None when it holds them all.
    n_rows : int
        The file's data rows.
    row_names : ndarray of shape (n_file_rows,) or None
        The first column's cells, as text, when it was left out as the row
        names (R's) or the index (pandas'); the codes file carries them.
    row_names_header : str
        That column's header ("" when it has none).
    """

    X: np.ndarray
    labels: np.ndarray = None
    names: list = field(default_factory=list)
    label_name: str = None
    has_header: bool = False
    notes: list = field(default_factory=list)
    rows: np.ndarray = None
    n_rows: int = 0
    all_labels: np.ndarray = None
    row_names: np.ndarray = None
    row_names_header: str = ""


def read_csv_table(
    path,
    *,
    label=None,
    drop=(),
    keep=(),
    columns=None,
    columns_by="auto",
    header="auto",
    skip_rows=0,
    delimiter=None,
    decimal="auto",
    missing="refuse",
):
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
    keep : sequence of str or int, default=()
        Columns kept as features although they only count the rows (1..n or
        0..n-1, like the row names R writes or the index pandas writes),
        which are otherwise left out with a note.
    columns : sequence of str, default=None
        The only feature columns wanted (a saved model's, by name): every
        other column but the label is left out, whatever it holds, with one
        note. Needs a header.
    columns_by : {"auto", "name", "index"}, default="auto"
        How ``label``, ``drop`` and ``keep`` name columns. "auto" takes a
        header name first and an integer as an index otherwise, and refuses
        a number that names one column and indexes another.
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
    decimal : {"auto", ".", ","}, default="auto"
        The decimal mark. "auto" reads decimal commas (``18,0``, as
        spreadsheets set to many languages write numbers) in a file whose
        columns are not separated by commas, when its first lines hold
        numbers with a decimal comma and none with a decimal point, and
        says so in a note.
    missing : {"refuse", "drop", "fill"}, default="refuse"
        What to do with empty feature cells (and the :data:`MISSING_CELLS`
        spellings): refuse them in one message counting them per column,
        drop the rows that hold any, or keep them as NaN for the
        autoencoder to fill (it takes NaN: its encoder sees each as its
        column's mean, and its loss counts no error there).

    Returns
    -------
    table : Table

    Raises
    ------
    DataError
        With a one-line message for everything the file or the options get
        wrong: a missing file, no data, ragged rows, a mixed first row, text
        or missing cells among the features (every such column in one
        message), unknown or ambiguous columns (every one in one message).

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
    head, head_numbers = _read_head(path, skip_rows)
    _check_width_bound(path, head)
    delimiter = _choose_delimiter(path, head, delimiter)
    head_rows = [_split_line(line, delimiter) for line in head]
    notes = []
    decimal = _choose_decimal(path, head_rows, delimiter, decimal, notes)
    first_row = head_rows[0]
    has_header = _has_header(path, first_row, header, lambda: _count_rows(path, skip_rows) - 1, decimal)
    names = [name.strip() for name in first_row] if has_header else [f"column{i}" for i in range(len(first_row))]
    _check_head_widths(path, len(names), head_rows[1 if has_header else 0 :], has_header)
    frame = _read_frame(path, delimiter, skip_rows, has_header, len(names), decimal)
    if not len(frame):
        raise DataError(f"{path}: there are no data rows.")
    lines = _LineNumbers(path, skip_rows, has_header)
    _check_short_rows(path, frame, delimiter, len(names), lines)
    header = _Header(names, has_header, list(zip(head_numbers, head_rows)), decimal)
    return _select_columns(
        path,
        frame,
        header,
        lines,
        notes,
        label=label,
        drop=drop,
        keep=keep,
        wanted=columns,
        columns_by=columns_by,
        missing=missing,
    )


@dataclass
class _Header:
    """The column names, and the first lines of the file they were read from, for messages."""

    names: list
    has_header: bool
    # (line number in the file, cells) of the first non-blank lines after --skip-rows, the header's first.
    head_rows: list
    decimal: str

    def listed(self):
        """The names read, or why there are none, for a message."""
        if not self.has_header:
            return "the file has no header, so columns are named by 0-based index"
        return "the columns read are " + ", ".join(repr(name) for name in self.names)

    def unknown_name(self, text):
        """What to tell of a name no column has: a close name, the names read, and the lines below if titles."""
        message = f"there is no column named {text!r}"
        if self.has_header:
            folded = {name.casefold(): name for name in self.names}
            close = folded.get(text.casefold()) or next(
                iter(difflib.get_close_matches(text, self.names, n=1, cutoff=0.6)), None
            )
            if close is not None:
                message += f" (did you mean {close!r}?)"
        message += f"; {self.listed()}"
        return message + self.title_hint(text)

    def title_hint(self, text=None):
        """``--skip-rows`` advice, when a line below the first holds ``text`` or the first reads as a title."""
        for number, cells in self.head_rows[1:]:
            if text is not None and text.casefold() in (cell.strip().casefold() for cell in cells):
                return (
                    f"; {text!r} is a cell of line {number}: if the lines above it are titles, pass "
                    f"--skip-rows {number - 1}"
                )
        if len(self.head_rows[0][1]) > 2 and sum(1 for cell in self.head_rows[0][1] if cell.strip()) <= 1:
            for number, cells in self.head_rows[1:]:
                if all(cell.strip() and not _is_number(cell, self.decimal) for cell in cells):
                    return (
                        f"; line {self.head_rows[0][0]} reads as a title and line {number} as the header: "
                        f"pass --skip-rows {number - 1}"
                    )
        return ""


def _open(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    return opener(path, "rt", newline="", encoding="utf-8-sig")


def _read_head(path, skip_rows):
    """The first non-blank lines after ``skip_rows``, enough to find the delimiter and the header, and their numbers."""
    lines, numbers, n_lines = [], [], 0
    try:
        with _open(path) as file:
            for line in file:
                n_lines += 1
                if n_lines > skip_rows and line.strip():
                    lines.append(line.rstrip("\r\n"))
                    numbers.append(n_lines)
                    if len(lines) > _SNIFF_LINES:
                        break
    except FileNotFoundError:
        raise DataError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a file.") from None
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not a UTF-8 text file; {_encoding_hint(path, error)}; save it as UTF-8.") from None
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot be read ({error}).") from None
    if not lines:
        if n_lines > skip_rows or skip_rows == 0:
            raise DataError(f"{path}: the file is empty.")
        raise DataError(f"{path}: --skip-rows {skip_rows} skips all {n_lines} lines of the file.")
    return lines, numbers


# Byte-order marks of the encodings other than UTF-8 that a spreadsheet or editor may save.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _encoding_hint(path, error):
    """What the file's bytes say of its encoding: a byte-order mark's, else the first byte UTF-8 refused."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as file:
        start = file.read(4)
    for mark, encoding in _BYTE_ORDER_MARKS:
        if start.startswith(mark):
            return f"it starts with the byte-order mark of {encoding}"
    byte = error.object[error.start : error.start + 1].hex().upper()
    return f"it holds the byte 0x{byte}, which UTF-8 never has there (Latin-1 or Windows-1252 text?)"


def _count_rows(path, skip_rows):
    """Non-blank lines after ``skip_rows``."""
    with _open(path) as file:
        return sum(1 for number, line in enumerate(file, start=1) if number > skip_rows and line.strip())


# The most cells a line may have: the reader's memory grows with the cells
# (about 100 bytes each in pandas), so a file of few long lines is refused
# from its size on disk rather than read.
MAX_COLUMNS = 1_000_000


def _check_width_bound(path, head):
    """Refuse lines of more than :data:`MAX_COLUMNS` cells under any delimiter, counted without splitting them."""
    widest = max(max(line.count(delimiter) for delimiter in (*_CANDIDATE_DELIMITERS, " ")) + 1 for line in head)
    if widest > MAX_COLUMNS:
        raise DataError(
            f"{path}: a line holds {widest:,} separated cells, more than the {MAX_COLUMNS:,} columns this reader takes."
        )


def _split_line(line, delimiter):
    """One line's cells; ``delimiter=None`` splits on runs of whitespace."""
    if delimiter is None:
        return line.split()
    return next(iter(_csv_rows([line], delimiter)), [])


def _csv_rows(lines, delimiter):
    """The cells of each line, however long a cell (Python's ``csv`` refuses cells over 131,072 characters).

    The lines are in memory already, so a cell as long as a line costs
    nothing more; the module's limit is restored afterwards.
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, max(map(len, lines), default=0) + 1))
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    finally:
        csv.field_size_limit(previous)


def _choose_delimiter(path, lines, delimiter):
    if delimiter is not None:
        if delimiter in (" ", "whitespace"):
            return None
        if len(delimiter) != 1:
            raise DataError(f"--delimiter must be one character (or 'whitespace'), got {delimiter!r}.")
        return delimiter
    # The first line may be a title or metadata line of another width, so
    # the lines below it decide when no separator splits the first line alike.
    body = lines[1:] or lines
    widths = {candidate: [len(row) for row in _csv_rows(lines, candidate)] for candidate in _CANDIDATE_DELIMITERS}
    widths[None] = [len(line.split()) for line in lines]
    # A separator splitting every line, the first included, into the same
    # number of cells wins (in a ';' file whose numbers have decimal commas,
    # ',' may split every row below the header alike); then one that splits
    # the lines below the first alike; failing that, one found on every line
    # (the rows are then ragged, and the error names the first short or long row).
    for every_line, consistent in ((True, True), (False, True), (False, False)):
        for candidate, counts in widths.items():
            found = set(counts if every_line else counts[-len(body) :])
            if min(found) > 1 and (len(found) == 1 or not consistent):
                return candidate
    if all(len(line.split(",")) == 1 for line in body):
        return ","  # a single column
    raise DataError(
        f"{path}: cannot tell how the columns are separated (tried , ; tab | and spaces); pass --delimiter."
    )


def _is_number(text, decimal="."):
    if decimal == "," and _DECIMAL_COMMA.fullmatch(text.strip()):
        text = text.replace(",", ".")
    try:
        float(text)
    except ValueError:
        return False
    return True


# A number written with a decimal comma, e.g. "18,0" or "-1,5e3"; and one with a decimal point.
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")
_DECIMAL_POINT = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _choose_decimal(path, head_rows, delimiter, decimal, notes):
    """The decimal mark: the option's, or ``,`` where the first lines show decimal commas and no decimal point."""
    if decimal not in ("auto", ".", ","):
        raise DataError(f"--decimal must be '.' or ',', got {decimal!r}.")
    if decimal == "," and delimiter == ",":
        raise DataError(
            f"{path}: --decimal , needs columns separated by something else than commas; pass --delimiter, e.g. ';'."
        )
    if decimal != "auto":
        return decimal
    if delimiter == ",":
        return "."
    cells = [cell.strip() for row in head_rows for cell in row]
    commas = [cell for cell in cells if _DECIMAL_COMMA.fullmatch(cell)]
    if not commas or any(_DECIMAL_POINT.fullmatch(cell) for cell in cells):
        return "."
    shown = {"\t": "tabs", None: "spaces"}.get(delimiter, repr(delimiter))
    notes.append(
        f"read numbers with a decimal comma, such as {commas[0]!r}, as spreadsheets write them in files whose "
        f"columns are separated by {shown}; pass --decimal . to read commas otherwise."
    )
    return ","


def _has_header(path, first_row, header, count_rows_below, decimal="."):
    if header != "auto":
        return header == "yes"
    cells = [cell.strip() for cell in first_row]
    numbers = [cell for cell in cells if cell and _is_number(cell, decimal)]
    texts = [cell for cell in cells if cell and not _is_number(cell, decimal)]
    if not numbers:
        return True
    if not texts:
        # All numbers: data, unless the first cell is empty, as in the header
        # pandas writes for a frame with an index and integer column names.
        return cells[0] == ""
    shown = ",".join(cells[:5]) + (",…" if len(cells) > 5 else "")
    hint = ""
    if len(numbers) >= 2 and numbers[0] == cells[0] and cells[0] == str(count_rows_below()):
        hint = f" It looks like scikit-learn's metadata line ({cells[0]} rows, {cells[1]} features)."
    raise DataError(
        f"{path}: the first row ({shown}) mixes numbers and text.{hint} Pass --skip-rows 1 to skip it, "
        "--header yes to take it as column names, or --header no to read it as data."
    )


def _check_head_widths(path, width, rows, has_header):
    """Refuse a first row whose width every row below it disagrees with (a title line)."""
    widths = {len(row) for row in rows}
    if len(rows) >= 2 and len(widths) == 1 and width not in widths:
        first = "the header" if has_header else "the first row"
        raise DataError(
            f"{path}: {first} has {width} cells but the rows below have {widths.pop()}; "
            "if it is a title or metadata line, pass --skip-rows 1."
        )


def _read_frame(path, delimiter, skip_rows, has_header, width, decimal="."):
    """The data rows as a DataFrame of ``width`` columns named 0…, by pandas' C parser."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            # Parsed in chunks, a column may come back with numbers and text
            # mixed; the checks of every column below name such cells.
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            return pd.read_csv(
                path,
                sep=r"\s+" if delimiter is None else delimiter,
                header=0 if has_header else None,
                names=list(range(width)),
                index_col=False,
                skiprows=skip_rows,
                skip_blank_lines=True,
                keep_default_na=False,
                na_values=list(MISSING_CELLS),
                encoding="utf-8-sig",
                compression="infer",
                decimal=decimal,
            )
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file.") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: there are no data rows.") from None
    except pd.errors.ParserError as error:
        text = str(error)
        if "Expected" in text and "fields in line" in text:
            # "Error tokenizing data. C error: Expected 3 fields in line 5, saw 4"
            words = text.rsplit("Expected", 1)[1].replace(",", "").split()
            raise DataError(f"{path}: row {words[4]} has {words[6]} cells, expected {width}.") from None
        hint = "; is a closing quote missing?" if "EOF inside string" in text else "."
        raise DataError(f"{path}: cannot be read as CSV ({text.splitlines()[-1].strip()}){hint}") from None


class _LineNumbers:
    """The file's line number of each data row, found only when a message needs one."""

    def __init__(self, path, skip_rows, has_header):
        self.path, self.skip_rows, self.has_header = path, skip_rows, has_header
        self._numbers = None
        self._lines = None

    def _scan(self):
        numbers, lines = [], []
        with _open(self.path) as file:
            for number, line in enumerate(file, start=1):
                if number > self.skip_rows and line.strip():
                    numbers.append(number)
                    lines.append(line.rstrip("\r\n"))
        start = 1 if self.has_header else 0
        self._numbers, self._lines = numbers[start:], lines[start:]

    def __getitem__(self, row):
        if self._numbers is None:
            self._scan()
        return self._numbers[row] if row < len(self._numbers) else row + 1

    def text(self, row):
        if self._lines is None:
            self._scan()
        return self._lines[row] if row < len(self._lines) else ""


def _check_short_rows(path, frame, delimiter, width, lines):
    """Refuse rows with fewer cells than the header: pandas fills them with missing values."""
    if width < 2:
        return
    suspects = np.flatnonzero(frame[width - 1].isna().to_numpy())
    for row in suspects:
        cells = len(_split_line(lines.text(row), delimiter))
        if cells < width:
            raise DataError(f"{path}: row {lines[row]} has {cells} cells, expected {width}.")


def _select_columns(path, frame, header, lines, notes, *, label, drop, keep, wanted, columns_by, missing):
    names, has_header = header.names, header.has_header
    label_index = None if label is None else _resolve_columns(path, header, [label], columns_by, "--label")[0]
    dropped = set(_resolve_columns(path, header, drop, columns_by, "--drop"))
    kept = set(_resolve_columns(path, header, keep, columns_by, "--keep"))
    if label_index is not None and label_index in dropped:
        raise DataError(f"{path}: column {names[label_index]!r} is both the label and dropped.")
    named = [name or f"column{i}" for i, name in enumerate(names)]
    candidates = [i for i in range(len(names)) if i != label_index and i not in dropped]
    # R writes its row names, and pandas its index, as the first column.
    row_names = None
    if 0 in candidates and 0 not in kept and len(names) > 1 and _is_index_column(frame[0], names[0]):
        row_names = _row_names(frame[0])
    if wanted is not None and has_header:
        others = [i for i in candidates if named[i] not in wanted]
        if others:
            notes.append(
                f"left out {_count(len(others), 'column')} the model was not fitted on: {_listed(named, others)}."
            )
        candidates = [i for i in candidates if named[i] in wanted]
        if 0 in candidates:
            row_names = None
    elif row_names is not None:
        notes.append(_index_note(frame[0], names[0]))
        candidates.remove(0)
    if not candidates:
        raise DataError(f"{path}: no feature columns are left besides the label and the dropped columns.")
    X = _numeric_features(path, frame, candidates, named, lines, header)
    X, rows = _handle_missing(path, X, [named[i] for i in candidates], lines, missing, notes)
    labels = all_labels = None
    if label_index is not None:
        all_labels = _labels(frame[label_index])
        labels = all_labels if rows is None else all_labels[rows]
    return Table(
        X=X,
        labels=labels,
        names=[named[i] for i in candidates],
        label_name=None if label_index is None else named[label_index],
        has_header=has_header,
        notes=notes,
        rows=rows,
        n_rows=len(frame),
        all_labels=all_labels,
        row_names=row_names,
        row_names_header=names[0] if row_names is not None else "",
    )


def _count(n, word):
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _listed(named, indices):
    shown = ", ".join(repr(named[i]) for i in indices[:_LISTED])
    return shown + (f" and {len(indices) - _LISTED} more" if len(indices) > _LISTED else "")


def _is_index_column(column, name):
    """Whether a first column is an index: pandas' unnamed one, or one that numbers the rows.

    Numbering the rows: 0..n-1 or 1..n, in order or shuffled (a frame
    written after its rows were shuffled keeps its index).
    """
    if name in _INDEX_HEADERS:
        return True
    return _numbering(column) is not None


def _numbering(column):
    """``(first, in_order)`` when the column holds each of first..first+n-1 once (first 0 or 1), else None."""
    if not _is_numeric(column) or len(column) < 3 or column.isna().any():
        return None
    values = column.to_numpy(dtype=np.float64)
    for first in (0, 1):
        expected = np.arange(first, first + len(values))
        if np.array_equal(values, expected):
            return first, True
        if np.array_equal(np.sort(values), expected):
            return first, False
    return None


def _row_names(column):
    """A row-name column's cells as text, read as labels are (whole numbers without ".0"), empty where missing."""
    return np.asarray(["" if name is None else str(name) for name in _labels(column).tolist()])


def _index_note(column, name):
    if name in _INDEX_HEADERS:
        header = "empty" if name == "" else repr(name)
        return (
            f"left out the first column: its header is {header}, as in the index column pandas writes; its cells "
            "go into the codes file as row names; pass --keep 0 to use it as a feature."
        )
    first, in_order = _numbering(column)
    numbers = f"{first}..{first + len(column) - 1}" + ("" if in_order else ", shuffled")
    return (
        f"left out the first column, {name!r}: it numbers the rows ({numbers}), as the row names R writes and "
        f"the index pandas writes do, and goes into the codes file as row names; pass --keep {shlex.quote(name)} "
        "to use it as a feature."
    )


def _numeric_features(path, frame, candidates, named, lines, header):
    """The candidate columns as float64; every column holding text in one message."""
    import pandas as pd

    columns, texts = [], []
    for i in candidates:
        column = frame[i]
        if _is_numeric(column):
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            unread = np.flatnonzero(np.isnan(values) & column.notna().to_numpy())
            for row in unread:  # numbers some pandas versions leave as text, e.g. "1e400"
                cell = str(column.iloc[row]).strip()
                try:
                    values[row] = float(cell)
                except ValueError:
                    texts.append((i, row, cell))
                    break
        columns.append(values)
    if texts:
        where = [f"the cell {cell!r} in row {lines[row]} of column {named[i]!r}" for i, row, cell in texts]
        commas = header.decimal == "." and any(_DECIMAL_COMMA.fullmatch(cell) for _, _, cell in texts)
        hint = " Its numbers have decimal commas: pass --decimal , (and --delimiter if needed)." if commas else ""
        title = header.title_hint()
        if title:  # the lines above the header are read as data: that is the problem to name first
            raise DataError(f"{path}: {title[2:]} (as read, the columns hold text where numbers should be).")
        if len(texts) == 1:
            raise DataError(
                f"{path}: {where[0]} is not a number; pass the column as --label or leave it out with "
                f"--drop {shlex.quote(named[texts[0][0]])}.{hint}"
            )
        drop = shlex.quote(",".join(named[i] or str(i) for i, _, _ in texts))
        raise DataError(
            f"{path}: {len(texts)} columns hold text, not numbers ({'; '.join(where[:_LISTED])}"
            f"{f'; and {len(texts) - _LISTED} more' if len(texts) > _LISTED else ''}); "
            f"pass one as --label and leave the others out with --drop, e.g. --drop {drop}.{hint}"
        )
    X = np.column_stack(columns)
    infinite = np.argwhere(np.isinf(X))
    if len(infinite):
        row, j = infinite[0]
        raise DataError(
            f"{path}: row {lines[row]} of column {named[candidates[j]]!r} holds {X[row, j]} "
            f"(infinite values are not allowed; {_count(len(infinite), 'cell')} in all)."
        )
    return X


def _handle_missing(path, X, names, lines, missing, notes):
    """Refuse missing cells, drop their rows or keep them as NaN; return the features and rows kept (None: all)."""
    empty = np.isnan(X)
    per_column = empty.sum(axis=0)
    if not per_column.any():
        return X, None
    if missing == "refuse":
        counted = [
            f"{names[j]!r} {per_column[j]:,} (first at row {lines[int(np.flatnonzero(empty[:, j])[0])]})"
            for j in np.flatnonzero(per_column)
        ]
        shown = ", ".join(counted[:_LISTED]) + (
            f" and {len(counted) - _LISTED} more columns" if len(counted) > _LISTED else ""
        )
        raise DataError(
            f"{path}: {_count(int(per_column.sum()), 'feature cell')} {'is' if per_column.sum() == 1 else 'are'} "
            f"empty or NA: {shown}; pass --drop-incomplete to leave out the rows that hold them, or "
            "--fill-missing to fill each with its column's mean."
        )
    if missing == "drop":
        rows = np.flatnonzero(~empty.any(axis=1))
        if not len(rows):
            raise DataError(f"{path}: every row has an empty feature cell, so --drop-incomplete leaves none.")
        notes.append(
            f"left out {_count(len(X) - len(rows), 'incomplete row')} of {len(X):,} (--drop-incomplete); "
            "their codes are left empty."
        )
        return X[rows], rows
    all_empty = [names[j] for j in np.flatnonzero(per_column == len(X))]
    if all_empty:
        raise DataError(
            f"{path}: column{'s' if len(all_empty) > 1 else ''} {', '.join(map(repr, all_empty))} "
            "holds no value to take a mean of; leave it out with --drop."
        )
    notes.append(
        f"kept {_count(int(per_column.sum()), 'empty cell')} in "
        f"{_count(int(np.count_nonzero(per_column)), 'column')} for the autoencoder to fill "
        "with the column's mean (--fill-missing)."
    )
    return X, None


def _resolve_columns(path, header, references, columns_by, option):
    """The 0-based indices of the columns ``references`` name; every unknown one in one message."""
    found, unknown = [], []
    for reference in references:
        try:
            found.append(_resolve_column(path, header, reference, columns_by, option))
        except _UnknownColumn as error:
            unknown.append(error)
    if len(unknown) == 1:
        raise DataError(str(unknown[0]))
    if unknown:
        listed = ", ".join(repr(error.reference) for error in unknown)
        raise DataError(
            f"{path}: {option} names {len(unknown)} columns the file does not have: {listed}; {header.listed()}."
        )
    return found


class _UnknownColumn(DataError):
    def __init__(self, message, reference):
        super().__init__(message)
        self.reference = reference


def _resolve_column(path, header, reference, columns_by, option):
    """The 0-based index of the column ``reference`` names."""
    names, has_header = header.names, header.has_header
    text = str(reference).strip()
    by_name = names.index(text) if has_header and text in names else None
    try:
        by_index = int(text)
    except ValueError:
        by_index = None
    if by_index is not None and not -len(names) <= by_index < len(names):
        if by_name is None or columns_by == "index":
            raise _UnknownColumn(f"{path}: there is no column {by_index}; the file has {len(names)} columns.", text)
        by_index = None
    if by_index is not None:
        by_index %= len(names)
    if columns_by == "name":
        if by_name is None:
            raise _UnknownColumn(f"{path}: {option} {text!r}: {header.unknown_name(text)}.", text)
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
        raise _UnknownColumn(f"{path}: {option} {text!r}: {header.unknown_name(text)}.", text)
    return by_index


def _labels(column):
    """Integers, floats or strings, as documented in :class:`Table`; an empty label is None."""
    present = column.notna().to_numpy()
    if _is_numeric(column) and present.all():
        values = column.to_numpy(dtype=np.float64)
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return values.astype(np.int64)
        return values
    if _is_numeric(column):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.all(values[present] == np.round(values[present]))
        return np.asarray(
            [(int(v) if whole else float(v)) if ok else None for v, ok in zip(values, present)], dtype=object
        )
    cells = np.asarray(
        [str(value).strip() if ok else None for value, ok in zip(column.tolist(), present)], dtype=object
    )
    if present.all():
        texts = cells.astype(np.str_)
        try:
            values = texts.astype(np.float64)
        except ValueError:
            return texts
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return values.astype(np.int64)
        return values
    return cells


def _is_numeric(column):
    import pandas as pd

    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
