"""Has this professor published recently, and on what? One person, asked of arXiv.

:func:`check_professor` works with or without a store. A name found in the store is looked
up with all its aliases and its areas, and the answer is cached there (a later check within
``CACHE_DAYS`` answers from the store); any other name is looked up live and nothing is
written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.arxiv_client import get_client
from crawler.arxiv_stage import (
    PersonResult,
    look_up_person,
    person_by_name,
    person_in_store,
    save_lookup,
    sync_covers,
)
from profscout.core.activity import MIN_CONFIDENCE, months_ago, verdict
from profscout.core.names import (
    ambiguity_reasons,
    display_name,
    fold,
    has_dblp_number,
    match_author,
    parse_name,
    query_forms,
    validate_person_name,
)
from profscout.core.store import connect
from profscout.core.store import papers as papers_store


class CheckError(Exception):
    """A check that cannot be answered as asked."""


class NameNotUsable(CheckError):
    """The name cannot be searched for (empty, no letters, ...)."""


@dataclass(frozen=True)
class StoredProfessor:
    id: int
    name: str
    institution: str
    key: str = ""

    @property
    def label(self) -> str:
        """The key (DBLP number kept, so namesakes stay apart) and the institution."""
        return f"{self.key or self.name} ({self.institution})"


class SeveralProfessors(CheckError):
    """Several professors of the store fit the name (and institution, if given)."""

    def __init__(self, name: str, matches: Sequence[StoredProfessor]) -> None:
        self.name = name
        self.matches = list(matches)
        places = "; ".join(sorted(m.label for m in self.matches))
        super().__init__(f"{len(self.matches)} professors in the store match {name!r}: {places}")


CACHE_DAYS = 7


@dataclass
class CheckedPaper:
    published: str
    arxiv_id: str
    title: str
    categories: list[str]
    coauthors: list[str]
    matched_as: str
    confidence: float
    evidence: str

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.published, "arxiv_id": self.arxiv_id, "url": self.url,
                "title": self.title, "categories": self.categories,
                "coauthors": self.coauthors, "matched_as": self.matched_as,
                "confidence": self.confidence, "evidence": self.evidence}


@dataclass
class CheckResult:
    name: str
    institution: str
    months: int
    source: str  # "live" or "cache"
    checked_at: str
    name_forms: list[str]
    ambiguous: list[str]
    papers: list[CheckedPaper] = field(default_factory=list)  # counted (confident) ones
    leads: list[CheckedPaper] = field(default_factory=list)  # kept below MIN_CONFIDENCE
    unconfirmed: int = 0  # rejected matches under an ambiguous name
    in_store: bool = False
    # name forms asked only in some arXiv categories ("chen chen" finds every Chen)
    searched_within: dict[str, list[str]] = field(default_factory=dict)

    @property
    def matched_as(self) -> list[str]:
        return sorted({p.matched_as for p in self.papers})

    @property
    def confirmed(self) -> int:
        """Papers counted as this person's (in the window)."""
        return len(self.papers)

    @property
    def uncertain(self) -> int:
        """Papers under the name not confirmed as this person's: leads and rejected matches."""
        return len(self.leads) + self.unconfirmed

    def verdict(self, today: date) -> str:
        line = verdict([p.published for p in self.papers], today, self.months)
        if not self.papers and (self.leads or self.unconfirmed):
            n = len(self.leads) + self.unconfirmed
            line = (f"unconfirmed: {n} paper{'s' if n != 1 else ''} under this ambiguous name "
                    f"in the last {self.months} months, none confirmed as this person's")
        return line

    def to_dict(self, today: date) -> dict[str, Any]:
        return {"name": self.name, "institution": self.institution or None,
                "months": self.months, "verdict": self.verdict(today),
                "papers_in_window": len(self.papers), "confirmed": self.confirmed,
                "uncertain": self.uncertain, "source": self.source,
                "checked_at": self.checked_at, "in_store": self.in_store,
                "name_forms_queried": self.name_forms, "matched_as": self.matched_as,
                "name_forms_within_categories": self.searched_within,
                "ambiguous": bool(self.ambiguous), "ambiguity_reasons": self.ambiguous,
                "papers": [p.to_dict() for p in self.papers],
                "unconfirmed_leads": [p.to_dict() for p in self.leads],
                "rejected_matches": self.unconfirmed}


def _from_result(res: PersonResult, window: date) -> tuple[list[CheckedPaper],
                                                           list[CheckedPaper]]:
    papers: list[CheckedPaper] = []
    leads: list[CheckedPaper] = []
    for f in res.kept:
        if f.paper.published.date() <= window:
            continue
        item = CheckedPaper(f.paper.published.date().isoformat(), f.paper.arxiv_id,
                            f.paper.title, list(f.paper.categories),
                            [a for a in f.paper.authors if a != f.author], f.author,
                            f.attribution.confidence, f.attribution.evidence)
        (papers if item.confidence >= MIN_CONFIDENCE else leads).append(item)
    return papers, leads


_INSTITUTION_FILLER = frozenset({"of", "the", "at", "and", "de", "di", "du", "des", "la", "le",
                                 "in", "for"})
_ABBREVIATIONS = {"univ": "university", "u": "university", "inst": "institute",
                  "tech": "technology", "natl": "national", "st": "saint"}


def institution_fits(wanted: str, institution: str) -> bool:
    """Whether a typed institution names a stored one: a folded part of it ("Bath"), all
    its words ("California Los Angeles"), or its initials ("UCLA", "KAUST", "MIT")."""
    query, full = fold(wanted), fold(institution)
    if not query:
        return True
    if query in full:
        return True
    words = [_ABBREVIATIONS.get(w, w) for w in full.split()]
    asked = [_ABBREVIATIONS.get(w, w) for w in query.split()]
    if set(asked) <= set(words):
        return True
    compact = query.replace(" ", "")
    initials = "".join(w[0] for w in words if w not in _INSTITUTION_FILLER)
    every = "".join(w[0] for w in words)
    return len(compact) >= 2 and compact in (initials, every)


def find_in_store(conn: sqlite3.Connection, name: str, institution: str | None
                  ) -> list[StoredProfessor]:
    """Professors known by ``name``: a CSRankings/DBLP key or alias as written (``Wei Wang
    0028``), else any alias or display form with the same full first name and surname.

    ``institution`` narrows namesakes down. A name written exactly as one professor's alias
    is that professor even at another institution (CSRankings lists people under each
    affiliation they had; the store keeps one).
    """
    directory = papers_store.professor_directory(conn)
    raw = " ".join(name.split())
    numbered = {e.professor_id: e for e in directory if e.alias == raw or e.key == raw}
    if numbered and has_dblp_number(raw):
        return [_stored(e) for e in numbered.values()]
    cleaned = display_name(raw)
    key = parse_name(cleaned).key
    folded = fold(cleaned)
    found: dict[int, StoredProfessor] = {}
    exact: dict[int, StoredProfessor] = {}
    for entry in directory:
        alias = entry.display or entry.name
        if fold(alias) == folded:
            exact[entry.professor_id] = _stored(entry)
        if parse_name(alias).key == key or ((m := match_author(cleaned, [alias]))
                                            and m.score >= 1.0):
            found[entry.professor_id] = _stored(entry)
    matches = list(found.values())
    if institution:
        matches = [p for p in matches if institution_fits(institution, p.institution)]
        if not matches and len(exact) == 1:
            matches = list(exact.values())
    return matches


def _stored(entry: papers_store.DirectoryEntry) -> StoredProfessor:
    return StoredProfessor(entry.professor_id, entry.name, entry.institution, entry.key)


def _cached(conn: sqlite3.Connection, pid: int, window: date, today: date
            ) -> tuple[str, list[CheckedPaper], list[CheckedPaper], bool] | None:
    sync = papers_store.arxiv_sync(conn, pid)
    if sync is None or not sync_covers(sync, window):
        return None
    checked = datetime.fromisoformat(sync.checked_at)
    if checked.date() < today - timedelta(days=CACHE_DAYS):
        return None
    papers: list[CheckedPaper] = []
    leads: list[CheckedPaper] = []
    ambiguous = False
    for r in papers_store.authored_papers(conn, pid, published_after=window.isoformat()):
        ambiguous = ambiguous or "ambiguous name" in r.evidence
        item = CheckedPaper(r.published, r.arxiv_id, r.title, r.categories,
                            [a for a in r.authors if a != r.matched_name],
                            r.matched_name, r.confidence, r.evidence)
        (papers if item.confidence >= MIN_CONFIDENCE else leads).append(item)
    return sync.checked_at, papers, leads, ambiguous


def check_professor(name: str, *, db_path: str | Path, arxiv_url: str, arxiv_delay: float,
                    institution: str | None = None, months: int = 12,
                    areas: Sequence[str] = (), refresh: bool = False,
                    today: date | None = None) -> CheckResult:
    """Look ``name`` up (the store at ``db_path`` first, then arXiv) and return what was found.

    ``areas`` are CSRankings area codes (evidence for ambiguous names). Raises
    :class:`NameNotUsable` for a name that cannot be searched for and
    :class:`SeveralProfessors` when several professors of the store fit.
    """
    today = today or datetime.now(UTC).date()
    try:
        cleaned = validate_person_name(name)
    except ValueError as exc:
        raise NameNotUsable(str(exc)) from None
    window = months_ago(today, months)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    db_path = Path(db_path)
    conn = connect(db_path) if db_path.exists() else None
    try:
        found = find_in_store(conn, name, institution) if conn else []
        if len(found) > 1:
            raise SeveralProfessors(cleaned, found)
        person = None
        if found:
            assert conn is not None
            pid = found[0].id
            person = person_in_store(conn, pid, window, areas)
        if person is not None:
            assert conn is not None and person.professor_id is not None
            cached = None if refresh else _cached(conn, person.professor_id, window, today)
            if cached:
                checked_at, papers, leads, was_ambiguous = cached
                reasons = ambiguity_reasons(person.aliases, person.namesakes)
                if was_ambiguous and not reasons:
                    reasons = ["marked ambiguous when crawled"]
                return CheckResult(person.name, person.institution, months, "cache",
                                   checked_at, person.forms, reasons, papers, leads,
                                   in_store=True)
            if refresh:
                person.since = window
        else:
            person = person_by_name(cleaned, institution or "", window, areas)
        client = get_client(arxiv_url, arxiv_delay)
        res = look_up_person(client, person, window, today)
        if conn is not None and person.professor_id is not None:
            save_lookup(conn, res, window)
            cached = _cached(conn, person.professor_id, window, today)
            assert cached is not None
            _, papers, leads, _ = cached
        else:
            papers, leads = _from_result(res, window)
        return CheckResult(person.name, person.institution, months, "live", now,
                           person.forms or query_forms([cleaned]), res.ambiguous, papers,
                           leads, len(res.rejected), in_store=person.professor_id is not None,
                           searched_within={form: sorted(cats)
                                            for form, cats in res.asked_within.items()})
    finally:
        if conn is not None:
            conn.close()
