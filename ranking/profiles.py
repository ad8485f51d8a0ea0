"""One :class:`~ranking.base.Profile` per professor, read from the store.

A profile holds the professor's recent arXiv papers (title + abstract) whose authorship is
confident enough, newest first, each weighted by recency (halving every
``half_life_months``) and by the authorship confidence, plus the homepage's interests text.
Ages are counted in whole months so that the weights, and so the cached index, stay the same
for a month.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from crawler.activity import MIN_CONFIDENCE
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
    papers: dict[int, list[tuple[str, str, date, float]]] = {}
    rows = conn.execute(
        "SELECT a.professor_id, a.confidence, p.arxiv_id, p.title, p.abstract, p.published "
        "FROM authorships a JOIN papers p USING (arxiv_id) WHERE a.confidence >= ? "
        "ORDER BY a.professor_id, p.published DESC, p.arxiv_id",
        (options.min_confidence,),
    )
    for pid, confidence, arxiv_id, title, abstract, published in rows:
        if wanted is not None and pid not in wanted:
            continue
        day = date.fromisoformat(str(published)[:10])
        if day > as_of:
            continue
        if options.max_age_months is not None and (
            months_between(day, as_of) > options.max_age_months
        ):
            continue
        mine = papers.setdefault(pid, [])
        if len(mine) < options.max_papers:
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
