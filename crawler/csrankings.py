"""Pure functions that turn CSRankings CSV files into clean records.

Nothing here does I/O: the spider downloads bytes, these functions decode, validate and
merge them, the pipeline writes the result. Malformed rows are skipped and counted by reason
(``SKIP_*``), never raised.

Files (https://github.com/emeryberger/CSrankings):
  csrankings.csv (or csrankings-[a-z].csv)  name,affiliation,homepage,scholarid
  country-info.csv                          institution,region,countryabbrv (non-US only)
  geolocation.csv                           institution,latitude,longitude
  generated-author-info.csv                 name,dept,area,count,adjustedcount,year
                                            (before 2018: name,dept,area,subarea,...)
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from profscout.core.names import display_name, has_dblp_number, name_tokens, same_person_names

SKIP_NOT_UTF8 = "not_utf8"
SKIP_MISSING_FIELD = "missing_field"
SKIP_EXTRA_FIELDS = "extra_fields"
SKIP_BAD_URL = "bad_url"
SKIP_DUPLICATE = "duplicate"
SKIP_BAD_NUMBER = "bad_number"
SKIP_BAD_COORDINATES = "bad_coordinates"
SKIP_UNKNOWN_AUTHOR = "unknown_author"

FACULTY_COLUMNS = ("name", "affiliation", "homepage", "scholarid")
COUNTRY_COLUMNS = ("institution", "region", "countryabbrv")
GEO_COLUMNS = ("institution", "latitude", "longitude")
AUTHOR_INFO_COLUMNS = ("name", "dept", "area", "count", "adjustedcount", "year")
AUTHOR_INFO_COLUMNS_OLD = ("name", "dept", "area", "subarea", "count", "adjustedcount", "year")

US = "us"
NO_SCHOLAR = "NOSCHOLARPAGE"
_SCHOLAR_ID = re.compile(r"[A-Za-z0-9_-]{6,20}")
_SPACES = re.compile(r"\s+")
_DOUBLE_SCHEME = re.compile(r"^https?://+(?=https?:/)", re.IGNORECASE)
_ONE_SLASH = re.compile(r"^(https?):/+(?=[^/])", re.IGNORECASE)
_HAS_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOST_PORT = re.compile(r"^[\w.-]+:\d+(/|$)")
# A scheme-less homepage written after a base address: ``http://10.1.2.3:8080cs.example.at/x``
# (the port runs into a host name). The base address stands for that host.
_GLUED_HOST = re.compile(r"^(https?://[^/:@]+:\d+)[a-z][\w-]*(?:\.[\w-]+)*\.[a-z]{2,}(?=/|$)",
                         re.IGNORECASE)
_HOSTNAME = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")


class HeaderError(ValueError):
    """A CSV file's header lacks the columns it must have."""


@dataclass
class Table:
    """Rows of one CSV file as dicts of stripped strings, and what was skipped and why."""

    rows: list[dict[str, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    read: int = 0


# --- decoding and reading -------------------------------------------------------------------

def iter_lines(data: bytes, skipped: Counter[str]) -> Iterator[str]:
    """Text lines of ``data``, lazily; lines that are not valid UTF-8 are dropped and counted.

    A BOM at the start (or at the start of any line, as when files are concatenated) is
    removed.
    """
    for raw in io.BytesIO(data):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            skipped[SKIP_NOT_UTF8] += 1
            continue
        yield line.lstrip("\ufeff")


def _clean(value: str) -> str:
    return _SPACES.sub(" ", value.replace("\ufeff", "")).strip()


def iter_table(data: bytes, required: tuple[str, ...], optional: tuple[str, ...],
               skipped: Counter[str]) -> Iterator[dict[str, str]]:
    """Valid rows of a CSV file that must have ``required`` columns (in any order).

    Column names are matched case-insensitively after trimming; cells are trimmed and inner
    whitespace collapsed. Rows with too few cells or an empty required cell are skipped as
    ``missing_field``, rows with more cells than the header as ``extra_fields``; the rows
    read (valid or not) are counted under ``skipped["_read"]``.
    Raises HeaderError when a required column is absent.
    """
    bad_before = skipped[SKIP_NOT_UTF8]
    reader = csv.reader(line for line in iter_lines(data, skipped) if line.strip())
    header = [_clean(h).lower() for h in next(reader, [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise HeaderError(f"expected columns {', '.join(required)}; "
                          f"missing {', '.join(missing)} (header: {','.join(header) or 'empty'})")
    index = {c: header.index(c) for c in (*required, *optional) if c in header}
    nonempty = [c for c in required if c in REQUIRED_NONEMPTY]
    width = len(header)
    read = 0
    for cells in reader:
        read += 1
        if len(cells) > width and any(_clean(c) for c in cells[width:]):
            skipped[SKIP_EXTRA_FIELDS] += 1
            continue
        if len(cells) < width:
            skipped[SKIP_MISSING_FIELD] += 1
            continue
        row = {c: _clean(cells[i]) for c, i in index.items()}
        if any(not row[c] for c in nonempty):
            skipped[SKIP_MISSING_FIELD] += 1
            continue
        yield row
    skipped["_read"] += read + skipped[SKIP_NOT_UTF8] - bad_before


def read_table(data: bytes, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> Table:
    """All valid rows of a CSV file (see :func:`iter_table`), skipped counts, rows read."""
    skipped: Counter[str] = Counter()
    table = Table(rows=list(iter_table(data, required, optional, skipped)))
    table.read = skipped.pop("_read", 0)
    table.skipped = skipped
    return table


# Cells that may not be empty (``homepage`` and ``scholarid`` are checked on their own).
REQUIRED_NONEMPTY = {"name", "affiliation", "institution", "region", "countryabbrv",
                     "latitude", "longitude", "dept", "area", "count", "adjustedcount", "year"}


def _drop_duplicates(rows: list[dict[str, str]], key: str, skipped: Counter[str]
                     ) -> list[dict[str, str]]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row[key] in seen:
            skipped[SKIP_DUPLICATE] += 1
            continue
        seen.add(row[key])
        kept.append(row)
    return kept


# --- values -----------------------------------------------------------------------------------

def normalize_url(url: str) -> str | None:
    """An http(s) URL, repairing ``http:/host``, ``http://https://host``, a missing scheme
    and a scheme-less homepage glued to a base address's port; None if hopeless."""
    url = url.strip()
    if not url:
        return None
    url = _DOUBLE_SCHEME.sub("", url)
    url = _ONE_SLASH.sub(r"\1://", url)
    url = _GLUED_HOST.sub(r"\1", url)
    if not _HAS_SCHEME.match(url):
        if ":" in url.split("/", 1)[0] and not _HOST_PORT.match(url):
            return None
        url = "http://" + url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or " " in url:
        return None
    if not _HOSTNAME.fullmatch(host) and host != "localhost":
        return None
    return url


def scholar_id(value: str) -> str | None:
    """A Google Scholar id (URL parameters cut off), or None for ``NOSCHOLARPAGE``, empty or
    malformed values."""
    value = value.strip().split("&", 1)[0]  # "ID&hl=en" pasted from a profile URL
    if not value or value == NO_SCHOLAR or not _SCHOLAR_ID.fullmatch(value):
        return None
    return value


def homepage_key(url: str) -> str:
    """A homepage folded for comparison: no scheme, no ``www.``, no trailing slash."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"


# --- the four files ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FacultyRow:
    """One valid row of ``csrankings.csv``."""

    name: str
    affiliation: str
    homepage: str
    scholar_id: str | None


def parse_faculty(data: bytes) -> tuple[list[FacultyRow], Counter[str], int]:
    """Valid faculty rows of one ``csrankings*.csv`` file, skipped counts, rows read."""
    table = read_table(data, FACULTY_COLUMNS[:2], FACULTY_COLUMNS[2:])
    rows = []
    for row in table.rows:
        url = normalize_url(row.get("homepage", ""))
        if url is None:
            table.skipped[SKIP_BAD_URL] += 1
            continue
        rows.append(FacultyRow(row["name"], row["affiliation"], url,
                               scholar_id(row.get("scholarid", ""))))
    return rows, table.skipped, table.read


def dedupe_faculty(rows: Iterable[FacultyRow], skipped: Counter[str]) -> list[FacultyRow]:
    """Rows with a name not seen before (a DBLP name is a key: later repeats are skipped)."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row.name in seen:
            skipped[SKIP_DUPLICATE] += 1
            continue
        seen.add(row.name)
        kept.append(row)
    return kept


@dataclass(frozen=True)
class Place:
    """Where an institution is: CSRankings region and country code."""

    region: str
    country: str


def parse_country_info(data: bytes) -> tuple[dict[str, Place], Counter[str], int]:
    """``country-info.csv`` → institution → Place (region and country in lower case)."""
    table = read_table(data, COUNTRY_COLUMNS)
    rows = _drop_duplicates(table.rows, "institution", table.skipped)
    places = {r["institution"]: Place(r["region"].lower(), r["countryabbrv"].lower())
              for r in rows}
    return places, table.skipped, table.read


def parse_geolocation(data: bytes) -> tuple[dict[str, tuple[float, float]], Counter[str], int]:
    """``geolocation.csv`` → institution → (latitude, longitude)."""
    table = read_table(data, GEO_COLUMNS)
    coords: dict[str, tuple[float, float]] = {}
    for row in table.rows:
        try:
            lat, lon = float(row["latitude"]), float(row["longitude"])
        except ValueError:
            table.skipped[SKIP_BAD_COORDINATES] += 1
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
            table.skipped[SKIP_BAD_COORDINATES] += 1
            continue
        if row["institution"] in coords:
            table.skipped[SKIP_DUPLICATE] += 1
            continue
        coords[row["institution"]] = (lat, lon)
    return coords, table.skipped, table.read


@dataclass(frozen=True)
class AreaCount:
    """Counted papers of one DBLP name in one venue (or area) and year."""

    name: str
    area: str
    year: int
    count: float
    adjusted_count: float


def check_author_info_header(data: bytes) -> str:
    """Which format a ``generated-author-info.csv`` is in: ``"current"`` or ``"old"``.

    Raises HeaderError for any other header.
    """
    first = next((line for line in iter_lines(data[:4096], Counter()) if line.strip()), "")
    header = next(csv.reader([first]), []) if first else []
    columns = tuple(_clean(h).lower() for h in header)
    if columns[:len(AUTHOR_INFO_COLUMNS_OLD)] == AUTHOR_INFO_COLUMNS_OLD:
        return "old"
    if columns[:len(AUTHOR_INFO_COLUMNS)] == AUTHOR_INFO_COLUMNS:
        return "current"
    raise HeaderError(f"generated-author-info.csv: expected header "
                      f"{','.join(AUTHOR_INFO_COLUMNS)} (or the pre-2018 "
                      f"{','.join(AUTHOR_INFO_COLUMNS_OLD)}), got {','.join(columns) or 'none'}")


def iter_author_info(data: bytes, skipped: Counter[str]) -> Iterator[AreaCount]:
    """Valid rows of ``generated-author-info.csv`` in either format, lazily.

    The header is checked first (HeaderError); bad numbers are counted as ``bad_number``.
    """
    check_author_info_header(data)
    for row in iter_table(data, AUTHOR_INFO_COLUMNS, (), skipped):
        try:
            year = int(row["year"])
            count, adjusted = float(row["count"]), float(row["adjustedcount"])
        except ValueError:
            skipped[SKIP_BAD_NUMBER] += 1
            continue
        if not (1900 <= year <= 2100) or not (0 <= count < 1e6) or not (0 <= adjusted < 1e6):
            skipped[SKIP_BAD_NUMBER] += 1
            continue
        yield AreaCount(row["name"], row["area"].lower(), year, count, adjusted)


def parse_author_info(data: bytes) -> tuple[list[AreaCount], Counter[str], int]:
    """All valid rows of ``generated-author-info.csv``, skipped counts, rows read."""
    skipped: Counter[str] = Counter()
    counts = list(iter_author_info(data, skipped))
    read = skipped.pop("_read", 0)
    return counts, skipped, read


# --- merging rows into people -----------------------------------------------------------------

@dataclass
class Person:
    """One professor: every CSRankings row (DBLP alias) of one person merged."""

    key: str
    name: str
    institution: str
    homepage: str | None
    scholar_id: str | None
    aliases: list[str]
    homepages: list[str] = field(default_factory=list)  # every distinct one, main first


def _canonical_rank(name: str) -> tuple[int, int, int, str]:
    """Sort key choosing a person's key among aliases: full words, few words, no number."""
    tokens = name_tokens(name)
    has_initial = any(len(t) == 1 for t in tokens)
    has_number = has_dblp_number(name)
    return (int(has_initial), len(tokens), int(has_number), name)


class _UnionFind:
    def __init__(self, scholars: list[str | None]) -> None:
        self.parent = list(range(len(scholars)))
        self.scholars = [{s} if s else set() for s in scholars]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int, *, check_scholar: bool) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        sa, sb = self.scholars[ra], self.scholars[rb]
        if check_scholar and sa and sb and not (sa & sb):
            return  # different Scholar profiles: different people behind one page
        self.parent[rb] = ra
        sa |= sb


def merge_people(rows: list[FacultyRow]) -> list[Person]:
    """Merge rows of one person: shared Scholar id, or shared homepage with matching names.

    The key is the alias with full first names, fewest words and no DBLP number (ties by
    spelling); the display name is the key without its number. Institution and homepage
    come from the key's row; ``homepages`` keeps every distinct homepage of the rows (the
    key's first, then by alias), so a dead one can be replaced by another.
    """
    uf = _UnionFind([r.scholar_id for r in rows])
    by_scholar: dict[str, int] = {}
    by_homepage: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.scholar_id:
            if row.scholar_id in by_scholar:
                uf.union(by_scholar[row.scholar_id], i, check_scholar=False)
            else:
                by_scholar[row.scholar_id] = i
        by_homepage.setdefault(homepage_key(row.homepage), []).append(i)
    for members in by_homepage.values():
        for pos, i in enumerate(members):
            for j in members[pos + 1:]:
                if same_person_names(rows[i].name, rows[j].name):
                    uf.union(i, j, check_scholar=True)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(uf.find(i), []).append(i)
    people = []
    for members in groups.values():
        aliases = sorted(rows[i].name for i in members)
        key = min(aliases, key=_canonical_rank)
        main = next(rows[i] for i in members if rows[i].name == key)
        scholar = main.scholar_id or next((rows[i].scholar_id for i in members
                                           if rows[i].scholar_id), None)
        homepages: dict[str, str] = {homepage_key(main.homepage): main.homepage}
        for i in sorted(members, key=lambda i: rows[i].name):
            homepages.setdefault(homepage_key(rows[i].homepage), rows[i].homepage)
        people.append(Person(key=key, name=display_name(key), institution=main.affiliation,
                             homepage=main.homepage, scholar_id=scholar, aliases=aliases,
                             homepages=list(homepages.values())))
    people.sort(key=lambda p: p.key)
    return people


def place_of(institution: str, places: dict[str, Place]) -> Place:
    """An institution's region and country; those absent from country-info are in the US."""
    return places.get(institution, Place(US, US))


# --- the whole source -------------------------------------------------------------------------

@dataclass
class Institution:
    """An institution with its place and coordinates (None when geolocation lacks it)."""

    name: str
    region: str
    country: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Snapshot:
    """Everything one CSRankings crawl yields, clean and merged, ready for the store.

    ``area_counts`` maps ``(professor key, venue or area code, year)`` to
    ``(count, adjusted count)``; it is None when the source has no author info.
    """

    people: list[Person]
    institutions: list[Institution]
    area_counts: dict[tuple[str, str, int], tuple[float, float]] | None
    skipped: Counter[str]
    rows_read: int
    author_info_format: str | None = None


def build_snapshot(faculty_files: list[bytes], country_info: bytes,
                   geolocation: bytes | None = None,
                   author_info: bytes | None = None) -> Snapshot:
    """Parse, validate and merge the CSRankings files into a Snapshot.

    Raises HeaderError when a file lacks its required columns.
    """
    skipped: Counter[str] = Counter()
    rows: list[FacultyRow] = []
    read = 0
    for data in faculty_files:
        file_rows, file_skipped, file_read = parse_faculty(data)
        rows += file_rows
        skipped += file_skipped
        read += file_read
    rows = dedupe_faculty(rows, skipped)
    people = merge_people(rows)

    places, place_skipped, _ = parse_country_info(country_info)
    skipped.update({f"country_info_{k}": v for k, v in place_skipped.items() if v})
    coords: dict[str, tuple[float, float]] = {}
    if geolocation is not None:
        coords, geo_skipped, _ = parse_geolocation(geolocation)
        skipped.update({f"geolocation_{k}": v for k, v in geo_skipped.items() if v})
    institutions = []
    for name in sorted({p.institution for p in people}):
        place = place_of(name, places)
        lat, lon = coords.get(name, (None, None))
        institutions.append(Institution(name, place.region, place.country, lat, lon))

    area_counts = None
    author_format = None
    if author_info is not None:
        author_format = check_author_info_header(author_info)
        info_skipped: Counter[str] = Counter()
        area_counts = aggregate_area_counts(iter_author_info(author_info, info_skipped),
                                            people, info_skipped)
        info_skipped.pop("_read", None)
        skipped.update({f"author_info_{k}": v for k, v in info_skipped.items() if v})
    skipped = Counter({k: v for k, v in skipped.items() if v})
    return Snapshot(people, institutions, area_counts, skipped, read, author_format)


def aggregate_area_counts(counts: Iterable[AreaCount], people: list[Person],
                          skipped: Counter[str]
                          ) -> dict[tuple[str, str, int], tuple[float, float]]:
    """Sum counts per (professor key, area, year) over every alias of a person.

    Names that are no CSRankings faculty alias are counted in ``skipped`` as
    ``unknown_author``.
    """
    key_of = {alias: p.key for p in people for alias in p.aliases}
    totals: dict[tuple[str, str, int], tuple[float, float]] = {}
    for row in counts:
        key = key_of.get(row.name)
        if key is None:
            skipped[SKIP_UNKNOWN_AUTHOR] += 1
            continue
        count, adjusted = totals.get((key, row.area, row.year), (0.0, 0.0))
        totals[(key, row.area, row.year)] = (count + row.count, adjusted + row.adjusted_count)
    return totals
