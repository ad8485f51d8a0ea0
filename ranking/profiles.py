"""One :class:`~ranking.base.Profile` per professor, read from the store.

A profile holds the professor's recent arXiv papers (title + abstract) whose authorship is
confident enough, newest first, each weighted by recency (halving every
``half_life_months``) and by the authorship confidence, plus the homepage's interests text.
Ages are counted in whole months so that the weights, and so the cached index, stay the same
for a month.

:class:`StoreProfiles` is the lazy form the shortlist uses: it knows the professor ids at
once, builds one profile when asked for it and all of them only when iterated, and carries
:func:`store_state`, a cheap summary of everything the profiles are made of, so that a cached
index can be found without building a single profile.
"""

from __future__ import annotations

import hashlib
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date

from profscout.core.activity import MIN_CONFIDENCE
from ranking.base import Document, Profile

HALF_LIFE_MONTHS = 24.0
MAX_PAPERS = 100  # most recent papers per profile
MAX_SQL_IDS = 500  # professor ids given to SQL as a list; more are filtered in Python


@dataclass(frozen=True)
class ProfileOptions:
    """What goes into a profile."""

    half_life_months: float = HALF_LIFE_MONTHS
    max_papers: int = MAX_PAPERS
    min_confidence: float = MIN_CONFIDENCE
    max_age_months: int | None = None  # None: every stored paper


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (0 when in the same month or later)."""
    return max(0, (later.year - earlier.year) * 12 + later.month - earlier.month)


def recency_weight(published: date, as_of: date, half_life_months: float) -> float:
    """``0.5 ** (age in whole months / half life)``; 1 for this month's papers."""
    return 0.5 ** (months_between(published, as_of) / half_life_months)


def paper_text(title: str, abstract: str) -> str:
    """The text a paper contributes: its title and abstract."""
    title = " ".join((title or "").split())
    abstract = " ".join((abstract or "").split())
    return f"{title}. {abstract}" if abstract else title


def build_profiles(
    conn: sqlite3.Connection,
    as_of: date,
    options: ProfileOptions | None = None,
    professor_ids: Iterable[int] | None = None,
) -> tuple[list[int], list[Profile]]:
    """``(professor ids, profiles)`` for every professor with papers or interests.

    ``professor_ids`` limits the result to those professors. Profile keys are the ids as text.
    """
    options = options or ProfileOptions()
    wanted = set(professor_ids) if professor_ids is not None else None
    where, args = _paper_filter(as_of, options)
    if wanted is not None and len(wanted) <= MAX_SQL_IDS:  # else filtered below
        where += f" AND a.professor_id IN ({','.join('?' * len(wanted))})"
        args = (*args, *sorted(wanted))
    papers: dict[int, list[tuple[str, str, date, float]]] = {}
    rows = conn.execute(
        "SELECT a.professor_id, a.confidence, p.arxiv_id, p.title, p.abstract, p.published "
        f"FROM authorships a JOIN papers p USING (arxiv_id) WHERE {where} "
        "ORDER BY a.professor_id, p.published DESC, p.arxiv_id",
        args,
    )
    for pid, confidence, arxiv_id, title, abstract, published in rows:
        if wanted is not None and pid not in wanted:
            continue
        mine = papers.setdefault(pid, [])
        if len(mine) < options.max_papers:
            day = date.fromisoformat(str(published)[:10])
            mine.append((arxiv_id, paper_text(title, abstract), day, float(confidence)))
    interests = {
        pid: " ".join(text.split())
        for pid, text in conn.execute(
            "SELECT professor_id, interests FROM homepages WHERE interests != ''"
        )
        if wanted is None or pid in wanted
    }
    ids = sorted(set(papers) | set(interests))
    profiles = []
    for pid in ids:
        documents = [
            Document(
                id=arxiv_id,
                text=text,
                weight=round(recency_weight(day, as_of, options.half_life_months)
                             * min(1.0, confidence), 4),
            )
            for arxiv_id, text, day, confidence in papers.get(pid, [])
            if text
        ]
        profiles.append(Profile(key=str(pid), documents=documents,
                                interests=interests.get(pid, "")))
    return ids, profiles


def fingerprint(profiles: Sequence[Profile], *extra: object) -> str:
    """A hash of everything a fitted index depends on: texts, weights, order, ``extra``."""
    digest = hashlib.sha256()
    for item in extra:
        digest.update(repr(item).encode())
        digest.update(b"\x00")
    for profile in profiles:
        digest.update(f"P{profile.key}\x00{profile.interests}\x00".encode())
        for doc in profile.documents:
            digest.update(f"D{doc.id}\x00{doc.weight!r}\x00{doc.text}\x00".encode())
    return digest.hexdigest()


def _first_counted_day(as_of: date, options: ProfileOptions) -> date | None:
    """The first publication day within ``max_age_months`` of ``as_of`` (None: no limit)."""
    if options.max_age_months is None:
        return None
    months = as_of.year * 12 + as_of.month - 1 - options.max_age_months
    return date(months // 12, months % 12 + 1, 1)


def _paper_filter(as_of: date, options: ProfileOptions) -> tuple[str, tuple[object, ...]]:
    """SQL condition (on ``a`` authorships, ``p`` papers) for the papers a profile counts."""
    where = "a.confidence >= ? AND substr(p.published, 1, 10) <= ?"
    args: tuple[object, ...] = (options.min_confidence, as_of.isoformat())
    first = _first_counted_day(as_of, options)
    if first is not None:
        where += " AND substr(p.published, 1, 10) >= ?"
        args = (*args, first.isoformat())
    return where, args


def profile_ids(conn: sqlite3.Connection, as_of: date,
                options: ProfileOptions | None = None) -> list[int]:
    """The professors :func:`build_profiles` makes a profile for, in its order."""
    where, args = _paper_filter(as_of, options or ProfileOptions())
    rows = conn.execute(
        f"SELECT a.professor_id FROM authorships a JOIN papers p USING (arxiv_id) WHERE {where} "
        "UNION SELECT professor_id FROM homepages WHERE interests != ''",
        args,
    )
    return sorted(pid for (pid,) in rows)


def _row_crc(row: str) -> int:
    return zlib.crc32(row.encode("utf-8", "surrogatepass"))


def _joined(*columns: str) -> str:
    """SQL joining ``columns`` into one text (NULL as empty), unit-separated."""
    return " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)


def store_state(conn: sqlite3.Connection, as_of: date,
                options: ProfileOptions | None = None) -> str:
    """A digest of everything the profiles of ``as_of`` are made of, read in one pass over
    the store without building them: the options, ``as_of``'s month (recency weights are
    whole months), and a count and an order-free sum of per-row checksums of the counted
    papers (id, date, title, abstract), of the counted authorships (professor, paper,
    confidence) and of the homepage interests. Any insert, delete or edit of those rows
    changes it (but for a 1 in 2**32 checksum coincidence)."""
    options = options or ProfileOptions()
    conn.create_function("profscout_crc", 1, _row_crc, deterministic=True)
    where, args = _paper_filter(as_of, options)
    paper_where = where.split(" AND ", 1)[1]  # the date bounds, without the confidence
    queries = [
        ("SELECT count(*), sum(profscout_crc("
         f"{_joined('arxiv_id', 'published', 'title', 'abstract')})) "
         f"FROM papers p WHERE {paper_where}", args[1:]),
        (f"SELECT count(*), sum(profscout_crc({_joined('professor_id', 'arxiv_id')} "
         "|| char(31) || quote(confidence))) FROM authorships a WHERE a.confidence >= ?",
         (options.min_confidence,)),
        ("SELECT count(*), sum(profscout_crc("
         f"{_joined('professor_id', 'interests')})) FROM homepages WHERE interests != ''", ()),
    ]
    parts = [repr(sorted(asdict(options).items())), f"{as_of.year:04d}-{as_of.month:02d}"]
    parts += [tuple(conn.execute(sql, sql_args).fetchone()) for sql, sql_args in queries]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class StoreProfiles(Sequence[Profile]):
    """The store's profiles as of a day, built lazily (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, as_of: date,
                 options: ProfileOptions | None = None) -> None:
        self.conn = conn
        self.as_of = as_of
        self.options = options or ProfileOptions()
        self.ids = profile_ids(conn, as_of, self.options)
        self._all: list[Profile] | None = None
        self._one: dict[int, Profile] = {}
        self._state: str | None = None

    @property
    def store_key(self) -> str:
        """:func:`store_state` of these profiles (computed once)."""
        if self._state is None:
            self._state = store_state(self.conn, self.as_of, self.options)
        return self._state

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._all is not None:
            return self._all[index]
        index = range(len(self.ids))[index]
        if index not in self._one:
            pid = self.ids[index]
            _, built = build_profiles(self.conn, self.as_of, self.options, [pid])
            self._one[index] = built[0] if built else Profile(key=str(pid))
        return self._one[index]

    def __iter__(self) -> Iterator[Profile]:
        if self._all is None:
            ids, self._all = build_profiles(self.conn, self.as_of, self.options)
            if ids != self.ids:  # the store changed since the ids were read
                self.ids = ids
                self._one.clear()
        return iter(self._all)
