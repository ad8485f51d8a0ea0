"""Spreadsheet-safe, atomic export of tables (CSV, XLSX, JSON).

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return) get a leading apostrophe; numbers stay numbers. Files are written to a temporary file
beside the target and renamed into place, so a failure never leaves a half-written file.
CSV is UTF-8 with a byte-order mark, which Excel needs to read UTF-8 correctly.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from profscout.core.errors import UserError

FORMATS = ("csv", "xlsx", "json")
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 8
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """A text cell that cannot run as a spreadsheet formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_cell)
    return safe


def format_from_path(path: Path, fmt: str | None) -> str:
    """The explicit format, else the one the file extension names, else CSV."""
    if fmt:
        fmt = fmt.lower()
    else:
        fmt = path.suffix.lower().lstrip(".") or "csv"
        if fmt not in FORMATS:
            fmt = "csv"
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return fmt


def check_writable(path: Path) -> None:
    """Fail early, with one line, when ``path`` cannot be written."""
    parent = path.parent
    if path.is_dir():
        raise UserError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed onto ``path`` only on success."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
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
    path = Path(path)
    fmt = format_from_path(path, fmt)
    check_writable(path)
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows), columns=columns)
    if columns is not None:
        frame = frame.reindex(columns=columns)
    with atomic_path(path) as tmp:
        if fmt == "csv":
            neutralize_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
        elif fmt == "xlsx":
            write_xlsx(neutralize_frame(frame), tmp, link_columns)
        else:
            frame.to_json(tmp, orient="records", force_ascii=False, indent=1, date_format="iso")
    return path
