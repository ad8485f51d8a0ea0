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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date

import numpy as np

from profscout.core.activity import MIN_CONFIDENCE
from profscout.core.store import profiles as store_profiles
from profscout.core.store.profiles import CountedPaper, PaperWindow
from ranking.arrays import unique
from ranking.base import Document, Profile

HALF_LIFE_MONTHS = 24.0
MAX_PAPERS = 100  # most recent papers per profile


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
    papers = store_profiles.counted_papers(conn, paper_window(as_of, options), wanted)
    interests = store_profiles.homepage_interests(conn, wanted)
    return assemble_profiles(papers, interests, as_of, options)


def assemble_profiles(papers: Iterable[CountedPaper], interests: dict[int, str], as_of: date,
                      options: ProfileOptions) -> tuple[list[int], list[Profile]]:
    """``(ids, profiles)`` from counted papers (by professor, newest first) and interests:
    at most ``max_papers`` documents each, weighted by recency times confidence."""
    documents: dict[int, list[Document]] = {}
    for paper in papers:
        mine = documents.setdefault(paper.professor_id, [])
        if len(mine) >= options.max_papers:
            continue
        text = paper_text(paper.title, paper.abstract)
        if text:
            weight = (recency_weight(paper.published, as_of, options.half_life_months)
                      * min(1.0, paper.confidence))
            mine.append(Document(id=paper.arxiv_id, text=text, weight=round(weight, 4)))
        else:  # an empty text still takes its place among the newest papers
            mine.append(Document(id=paper.arxiv_id, text=""))
    texts = {pid: " ".join(text.split()) for pid, text in interests.items()}
    ids = sorted(set(documents) | set(texts))
    profiles = [Profile(key=str(pid),
                        documents=[d for d in documents.get(pid, []) if d.text],
                        interests=texts.get(pid, ""))
                for pid in ids]
    return ids, profiles


@dataclass(frozen=True)
class ProfileColumns:
    """Profiles as flat columns, what an index is fitted on: the non-empty document texts
    of all profiles in order (each profile's papers, then its interests), their weights and
    ids (``""`` for interests), and ``indptr``: profile ``p`` owns documents
    ``indptr[p]:indptr[p + 1]``."""

    keys: list[str]
    texts: list[str]
    weights: np.ndarray  # float32
    doc_ids: list[str]
    indptr: np.ndarray  # int64


def profile_columns(profiles: Sequence[Profile]) -> ProfileColumns:
    """The columns of ``profiles``: read in one pass from the store for
    :class:`StoreProfiles` (no profile built), else gathered from the profiles."""
    if isinstance(profiles, StoreProfiles):
        return profiles.columns()
    texts: list[str] = []
    weights: list[float] = []
    doc_ids: list[str] = []
    indptr = [0]
    keys: list[str] = []
    for profile in profiles:
        keys.append(profile.key)
        for doc in profile.documents:
            if doc.text.strip():
                texts.append(doc.text)
                weights.append(float(doc.weight))
                doc_ids.append(doc.id)
        if profile.interests.strip():
            texts.append(profile.interests)
            weights.append(1.0)
            doc_ids.append("")
        indptr.append(len(texts))
    return ProfileColumns(keys, texts, np.asarray(weights, dtype=np.float32), doc_ids,
                          np.asarray(indptr, dtype=np.int64))


def store_profile_columns(conn: sqlite3.Connection, as_of: date,
                          options: ProfileOptions | None = None) -> tuple[list[int],
                                                                          ProfileColumns]:
    """``(professor ids, columns)`` of :func:`build_profiles`' profiles, without building
    them: one streamed read of the counted papers, weights computed once per distinct
    (age, confidence). A paper's text is its title and abstract (the same words as
    :func:`paper_text`, whose whitespace the tokeniser ignores)."""
    options = options or ProfileOptions()
    papers = store_profiles.counted_paper_columns(conn, paper_window(as_of, options),
                                                  options.max_papers)
    with_interests = {pid: " ".join(text.split())
                      for pid, text in store_profiles.homepage_interests(conn).items()}
    interests = {pid: text for pid, text in with_interests.items() if text}
    now = as_of.year * 12 + as_of.month - 1
    owners = np.asarray(papers.professor_id, dtype=np.int64)
    texts = papers.text
    nonempty = np.fromiter((bool(t.strip()) for t in texts), dtype=bool, count=len(texts))
    ages = np.maximum(0, now - np.asarray(papers.month, dtype=np.int64))
    confidence = np.minimum(1.0, np.asarray(papers.confidence, dtype=np.float64))
    pairs, where = np.unique(np.stack([ages.astype(np.float64), confidence]), axis=1,
                             return_inverse=True)
    weight_of = [round(0.5 ** (int(age) / options.half_life_months) * float(conf), 4)
                 for age, conf in pairs.T]
    weights = np.asarray(weight_of, dtype=np.float64)[where.reshape(-1)]
    ids = sorted(set(unique(owners).tolist()) | set(with_interests))
    # per professor: its non-empty papers (already newest first), then its interests
    kept = np.flatnonzero(nonempty)
    id_array = np.asarray(ids, dtype=np.int64)
    paper_counts = np.bincount(np.searchsorted(id_array, owners[kept]), minlength=len(ids))
    has_interests = np.asarray([pid in interests for pid in ids], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(paper_counts + has_interests)]).astype(np.int64)
    n_docs = int(indptr[-1])
    is_interest = np.zeros(n_docs, dtype=bool)
    is_interest[indptr[1:][has_interests.astype(bool)] - 1] = True
    out_texts: list[str] = [""] * n_docs
    out_ids: list[str] = [""] * n_docs
    out_weights = np.ones(n_docs, dtype=np.float32)
    paper_rows = np.flatnonzero(~is_interest)
    for row, k in zip(paper_rows.tolist(), kept.tolist(), strict=True):
        out_texts[row] = texts[k]
        out_ids[row] = papers.arxiv_id[k]
    out_weights[paper_rows] = weights[kept].astype(np.float32)
    for row, pid in zip(np.flatnonzero(is_interest).tolist(),
                        [pid for pid in ids if pid in interests], strict=True):
        out_texts[row] = interests[pid]
    return ids, ProfileColumns([str(pid) for pid in ids], out_texts, out_weights, out_ids,
                               indptr)


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


def paper_window(as_of: date, options: ProfileOptions) -> PaperWindow:
    """The papers a profile of ``as_of`` counts."""
    return PaperWindow(min_confidence=options.min_confidence, until=as_of,
                       since=_first_counted_day(as_of, options))


def profile_ids(conn: sqlite3.Connection, as_of: date,
                options: ProfileOptions | None = None) -> list[int]:
    """The professors :func:`build_profiles` makes a profile for, in its order."""
    return store_profiles.profiled_professor_ids(
        conn, paper_window(as_of, options or ProfileOptions()))


def store_state(conn: sqlite3.Connection, as_of: date,
                options: ProfileOptions | None = None) -> str:
    """A digest of everything the profiles of ``as_of`` are made of, read without building
    them or reading their rows: the options, ``as_of``'s month (recency weights are whole
    months) and :func:`profscout.core.store.profiles.profile_source_summary` (the store's
    revision of papers, authorships and interests, and the window's papers)."""
    options = options or ProfileOptions()
    parts: list[object] = [repr(sorted(asdict(options).items())),
                           f"{as_of.year:04d}-{as_of.month:02d}"]
    parts += store_profiles.profile_source_summary(conn, paper_window(as_of, options))
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

    def columns(self) -> ProfileColumns:
        """All profiles as :class:`ProfileColumns`, read in one pass (none built)."""
        ids, columns = store_profile_columns(self.conn, self.as_of, self.options)
        if ids != self.ids:  # the store changed since the ids were read
            self.ids = ids
            self._one.clear()
            self._all = None
        return columns

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return self.at(range(*index.indices(len(self))))
        return self.at([range(len(self.ids))[index]])[0]

    def at(self, positions: Iterable[int]) -> list[Profile]:
        """The profiles at ``positions``; those not built yet are built in one batch."""
        positions = list(positions)
        if self._all is not None:
            return [self._all[i] for i in positions]
        missing = sorted({i for i in positions if i not in self._one})
        if missing:
            ids, built = build_profiles(self.conn, self.as_of, self.options,
                                        [self.ids[i] for i in missing])
            by_id = dict(zip(ids, built, strict=True))
            for i in missing:
                pid = self.ids[i]
                self._one[i] = by_id.get(pid, Profile(key=str(pid)))
        return [self._one[i] for i in positions]

    def __iter__(self) -> Iterator[Profile]:
        if self._all is None:
            ids, self._all = build_profiles(self.conn, self.as_of, self.options)
            if ids != self.ids:  # the store changed since the ids were read
                self.ids = ids
                self._one.clear()
        return iter(self._all)
