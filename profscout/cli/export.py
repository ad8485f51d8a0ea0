"""Spreadsheet-safe, atomic export of tables (CSV, XLSX, JSON).

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return, also after leading whitespace or invisible characters such as NBSP or a BOM) get a
leading apostrophe; numbers stay numbers. CSV quotes every field holding a CR or LF, so a row
never splits. XLSX cells lose the control characters the format cannot hold. Files are
written to a temporary file beside the target and renamed into place, so a failure (or
SIGTERM, see :mod:`profscout.cli.app`) never leaves a half-written file; a new file gets the
mode the user's umask gives, an existing one keeps its mode. CSV is UTF-8 with a byte-order
mark, which Excel needs to read UTF-8 correctly. The format comes from ``--format`` or the
file extension (.csv, .xlsx, .json); any other extension, or none, is refused.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads when a table is written, not for --help
    import pandas as pd

from profscout.core.errors import UserError

FORMATS = ("csv", "xlsx", "json")
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 8
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX) cannot hold: C0 controls but tab, LF and CR.
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _invisible(char: str) -> bool:
    """Whitespace, controls and format characters (NBSP, BOM, zero-width, bidi marks)."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


def neutralize_cell(value: Any) -> Any:
    """A text cell that cannot run as a spreadsheet formula; other values unchanged.

    A formula trigger counts at the start and after any run of whitespace or invisible
    characters (a spreadsheet may drop those before reading the formula); tab and CR are
    triggers themselves, anywhere in that run.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    i = 0
    while i < len(value) and _invisible(value[i]):
        i += 1
    lead = value[:i]
    if lead and ("\t" in lead or "\r" in lead or value[i:].startswith(_FORMULA_PREFIXES)):
        return "'" + value
    return value


def xlsx_cell(value: Any) -> Any:
    """A cell XLSX can hold: text without the control characters XML forbids."""
    if isinstance(value, str):
        return _XLSX_ILLEGAL.sub("", value)
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised."""
    import pandas as pd
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_cell)
    return safe


def format_from_path(path: Path, fmt: str | None) -> str:
    """The explicit format, else the one the file extension names.

    An extension that names no format (``.pdf``), or none at all, is a UserError: a file is
    never written in a format its name does not say.
    """
    choices = ", ".join(f".{f}" for f in FORMATS)
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise UserError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if not suffix:
        raise UserError(f"cannot tell the format of {path}: name it with {choices} "
                        "or give --format", field="output")
    if suffix not in FORMATS:
        raise UserError(f"cannot write {path}: .{suffix} is not a format profscout writes; "
                        f"use {choices} (or --format)", field="output")
    return suffix


def check_writable(path: Path) -> None:
    """Fail early, with one line, when ``path`` cannot be written."""
    parent = path.parent
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed onto ``path`` only on success.

    The result has ``path``'s mode when it existed, else the umask's (not mkstemp's 0600).
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def style_sheet(sheet: Any, link_columns: Iterable[str] | None = None) -> None:
    """Make an openpyxl worksheet easy to read: a frozen, filterable header, widths that fit
    the content, and web addresses as clickable links (in ``link_columns``, else in every
    column whose cells hold one address)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if sheet.max_row < 1 or sheet.max_column < 1:
        return
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    header = [str(c.value or "") for c in sheet[1]]
    wanted = set(link_columns) if link_columns is not None else None
    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        cells = sheet[letter][1:]
        width = max([len(name)] + [len(str(c.value)) for c in cells if c.value is not None])
        sheet.column_dimensions[letter].width = max(MIN_COLUMN_WIDTH,
                                                    min(MAX_COLUMN_WIDTH, width + 2))
        sheet[f"{letter}1"].font = Font(bold=True)
        if wanted is not None and name not in wanted:
            continue
        for cell in cells:
            value = cell.value
            if isinstance(value, str) and value.startswith(("http://", "https://")) \
                    and " " not in value:
                cell.hyperlink = value
                cell.style = "Hyperlink"


def write_xlsx(frame: pd.DataFrame, path: Path, link_columns: Iterable[str] | None = None
               ) -> None:
    """``frame`` (already neutralised) as a styled single-sheet workbook at ``path``."""
    import pandas as pd
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        style_sheet(writer.sheets[next(iter(writer.sheets))], link_columns)


def write_table(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    path: str | Path,
    fmt: str | None = None,
    columns: list[str] | None = None,
    link_columns: Iterable[str] | None = None,
) -> Path:
    """Write ``rows`` to ``path`` safely and atomically; return the path written."""
    import pandas as pd
    path = Path(path)
    fmt = format_from_path(path, fmt)
    check_writable(path)
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=columns)
    if columns is not None:
        frame = frame.reindex(columns=columns)
    with atomic_path(path) as tmp:
        if fmt == "csv":
            _write_csv(neutralize_frame(frame), tmp)
        elif fmt == "xlsx":
            safe = neutralize_frame(frame)
            safe.columns = [xlsx_cell(str(c)) for c in safe.columns]
            write_xlsx(safe.map(xlsx_cell), tmp, link_columns)
        else:
            frame.to_json(tmp, orient="records", force_ascii=False, indent=1, date_format="iso")
    return path


def _breaks_line(value: Any) -> bool:
    return isinstance(value, str) and ("\r" in value or "\n" in value)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """CSV as pandas writes it, but rows with a field holding CR or LF have every field
    quoted (the csv module leaves a bare CR unquoted, which splits the row in a
    spreadsheet): the frame is written in runs of rows, each with its quoting."""
    import pandas as pd
    frame = frame.reset_index(drop=True)
    text_columns = [c for c in frame.columns if frame[c].dtype == object
                    or pd.api.types.is_string_dtype(frame[c])]
    breaks = (frame[text_columns].map(_breaks_line).any(axis=1) if text_columns
              else pd.Series(False, index=frame.index))
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        if frame.empty or not breaks.any():
            frame.to_csv(out, index=False, lineterminator="\n")
            return
        run = (breaks != breaks.shift()).cumsum()
        for n, (_, part) in enumerate(frame.groupby(run.to_numpy(), sort=False)):
            quote = csv.QUOTE_ALL if bool(breaks.loc[part.index[0]]) else csv.QUOTE_MINIMAL
            part.to_csv(out, index=False, header=n == 0, lineterminator="\n", quoting=quote)
