"""The ranked, explained shortlist: match x activity, filters, diversity cap, evidence.

Steps: build every professor's profile from the store; fit (or load from the store's cache)
the matcher on all of them; score the query; keep the professors the filters select who share
something with the query; combine ``match`` (the similarity over the best candidate's, so the
best is 1) and ``activity`` (:mod:`ranking.activity`) in a weighted geometric mean with the
user's weights (:func:`combine`); keep at most
``per_institution`` per institution; explain each row with the shared terms and the three
best-matching recent papers.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profscout.core.activity import months_ago
from profscout.core.errors import UserError
from profscout.core.selection import Filters, select
from profscout.core.store import connect
from profscout.core.store.campaign import contacted_professor_ids
from ranking.activity import ActivityRow, store_activity_rows
from ranking.base import ProfileMatcher
from ranking.cache import fitted_matcher
from ranking.matchers import DEFAULT_MATCHER, MATCHERS
from ranking.profiles import ProfileOptions, StoreProfiles
from ranking.sendtime import suggest_send_time

COLUMNS = [
    "rank", "name", "institution", "region", "country", "homepage", "email", "lab",
    "recruiting", "recruiting_evidence", "score", "match", "activity", "papers_12m",
    "papers_24m", "latest_paper", "top_papers", "why", "scholar", "dblp", "send_time",
]
DEFAULT_TOP = 25
DEFAULT_PER_INSTITUTION = 2
DEFAULT_MATCH_WEIGHT = 0.7
DEFAULT_ACTIVITY_WEIGHT = 0.3
TOP_PAPERS = 3
WHY_TERMS = 8


@dataclass
class ShortlistRequest:
    """Everything the user can ask of a shortlist."""

    query: str
    interests: str = ""
    top: int = DEFAULT_TOP
    filters: Filters = field(default_factory=Filters)
    active_months: int | None = None
    recruiting_only: bool = False
    match_weight: float = DEFAULT_MATCH_WEIGHT
    activity_weight: float = DEFAULT_ACTIVITY_WEIGHT
    per_institution: int | None = DEFAULT_PER_INSTITUTION
    matcher: str = DEFAULT_MATCHER
    as_of: date | None = None
    exclude_contacted: bool = False

    @property
    def text(self) -> str:
        return "\n".join(t.strip() for t in (self.query, self.interests) if t and t.strip())


@dataclass
class ShortlistResult:
    """The table and how it was made."""

    frame: pd.DataFrame
    matcher: str
    cached: bool
    indexed: int
    candidates: int
    warnings: list[str] = field(default_factory=list)


def validate_request(request: ShortlistRequest) -> None:
    """Check what needs no store: the query, weights, counts, matcher name."""
    if not request.text:
        raise UserError("empty query: say in a few words what you want to work on "
                        "(or give --interests-file)")
    if request.match_weight < 0 or request.activity_weight < 0:
        raise UserError("weights must not be negative")
    if request.match_weight + request.activity_weight <= 0:
        raise UserError("the match and activity weights cannot both be 0")
    if request.top < 1:
        raise UserError("--top must be at least 1")
    if request.per_institution is not None and request.per_institution < 0:
        raise UserError("--per-institution must not be negative (0 = no cap)")
    if request.active_months is not None and request.active_months < 1:
        raise UserError("--active-months must be at least 1")
    if request.matcher not in MATCHERS:
        raise UserError(f"unknown matcher {request.matcher!r}; choose one of: "
                        f"{', '.join(MATCHERS)}")


def combine(match: np.ndarray, activity: np.ndarray, match_weight: float,
            activity_weight: float) -> np.ndarray:
    """Weighted geometric mean ``match ** a * activity ** b`` (a, b: the weights over their
    sum): a professor must both fit the topic and be active to score well; one with no
    recent paper scores 0 unless the activity weight is 0."""
    total = match_weight + activity_weight
    a, b = match_weight / total, activity_weight / total
    return np.power(np.clip(match, 0, None), a) * np.power(np.clip(activity, 0, None), b)


def cap_per_group(order: Sequence[int], groups: Sequence[str], cap: int | None,
                  limit: int) -> list[int]:
    """The first ``limit`` items of ``order`` keeping at most ``cap`` per group (0/None: no
    cap)."""
    kept: list[int] = []
    seen: dict[str, int] = {}
    for i in order:
        group = groups[i]
        if cap and seen.get(group, 0) >= cap:
            continue
        seen[group] = seen.get(group, 0) + 1
        kept.append(i)
        if len(kept) >= limit:
            break
    return kept


def arxiv_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def scholar_url(scholar_id: str | None, links: dict[str, str]) -> str:
    if scholar_id:
        return f"https://scholar.google.com/citations?user={urllib.parse.quote(scholar_id)}"
    return links.get("scholar", "")


def dblp_url(name: str, links: dict[str, str]) -> str:
    """The DBLP page the homepage links to, else a DBLP author search for the name."""
    return links.get("dblp") or "https://dblp.org/search/author?q=" + urllib.parse.quote(name)


def _professor_facts(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Name, institution, place, homepage facts of the given professors."""
    facts: dict[int, dict[str, Any]] = {}
    wanted = set(ids)
    rows = conn.execute(
        "SELECT p.id, p.key, p.name, p.institution, p.homepage, p.scholar_id, "
        "COALESCE(i.region, 'us') AS region, COALESCE(i.country, 'us') AS country, "
        "i.latitude, i.longitude, h.final_url, h.emails, h.lab_name, h.lab_url, h.recruiting, "
        "h.recruiting_evidence, h.links_json "
        "FROM professors p LEFT JOIN institutions i ON i.name = p.institution "
        "LEFT JOIN homepages h ON h.professor_id = p.id"
    )
    for row in rows:
        if row["id"] in wanted:
            facts[row["id"]] = dict(row)
    return facts


def _paper_titles(conn: sqlite3.Connection, arxiv_ids: Sequence[str]) -> dict[str, str]:
    ids = list(dict.fromkeys(arxiv_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for arxiv_id, title in conn.execute(
            f"SELECT arxiv_id, title FROM papers WHERE arxiv_id IN ({marks})", chunk
        ):
            out[arxiv_id] = " ".join(title.split())
    return out


def _explainer(conn: sqlite3.Connection, matcher: ProfileMatcher, profiles: list,
               use_cache: bool) -> ProfileMatcher:
    """The matcher if it can name shared terms, else the (cached) TF-IDF matcher."""
    if hasattr(matcher, "shared_terms"):
        return matcher
    return fitted_matcher(conn, "tfidf", profiles, use_cache=use_cache)[0]


def _links(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def build_shortlist(conn: sqlite3.Connection, request: ShortlistRequest,
                    use_cache: bool = True) -> ShortlistResult:
    """Rank the store's professors against ``request``; see the module docstring."""
    validate_request(request)
    as_of = request.as_of or datetime.now(UTC).date()
    if conn.execute("SELECT 1 FROM professors LIMIT 1").fetchone() is None:
        raise UserError("the store has no professors yet: run `profscout crawl` first")
    selection = select(conn, request.filters)
    profiles = StoreProfiles(conn, as_of, ProfileOptions())  # built only where needed
    if not profiles:
        raise UserError("the store has no papers or homepage interests to match against: "
                        "run `profscout crawl` first (with the arxiv stage)")
    matcher, cached = fitted_matcher(conn, request.matcher, profiles, use_cache=use_cache)
    ids = profiles.ids
    known = getattr(matcher, "known_terms", None)
    if known is not None and not known(request.text):
        shown = request.text if len(request.text) <= 60 else request.text[:57] + "..."
        raise UserError(f"nothing to match on: no word of {shown!r} occurs in the "
                        f"indexed papers and interests of {len(profiles)} professors")
    match = np.asarray(matcher.score([request.text]), dtype=float)[0]

    activity = store_activity_rows(conn, as_of)
    none = ActivityRow(0.0, 0, 0, None)
    selected = set(selection.ids)
    if request.exclude_contacted:
        selected -= contacted_professor_ids(conn)
    boundary = months_ago(as_of, request.active_months) if request.active_months else None
    facts = _professor_facts(conn, ids)
    candidates = []
    for i, pid in enumerate(ids):
        if pid not in selected or match[i] <= 0:
            continue
        act = activity.get(pid, none)
        if boundary is not None and (act.latest is None or act.latest <= boundary):
            continue
        if request.recruiting_only and (facts[pid].get("recruiting") or "") != "yes":
            continue
        candidates.append(i)
    warnings = list(selection.warnings)
    if not candidates:
        warnings.append("no professor matches both the query and the filters")
        frame = pd.DataFrame(columns=COLUMNS)
        return ShortlistResult(frame, request.matcher, cached, len(profiles), 0, warnings)

    cand = np.asarray(candidates)
    best = float(match[cand].max())
    match_rel = match[cand] / best if best > 0 else np.zeros(len(cand))
    act_scores = np.array([activity.get(ids[i], none).score for i in cand])
    combined = combine(match_rel, act_scores, request.match_weight, request.activity_weight)
    order = np.lexsort((-match_rel, -combined))  # by score, then match
    institutions = [facts[ids[i]]["institution"] for i in cand]
    kept = cap_per_group(order.tolist(), institutions, request.per_institution, request.top)

    explainer = _explainer(conn, matcher, profiles, use_cache)
    document_scores = _document_scorer(matcher, request.text)
    picks: dict[int, list[tuple[str, float]]] = {}
    for j in kept:
        p = int(cand[j])
        docs = profiles[p].documents
        sims = document_scores(p)[:len(docs)]
        top = [k for k in np.argsort(-sims, kind="stable")[:TOP_PAPERS] if sims[k] > 0]
        picks[j] = [(docs[k].id, float(sims[k])) for k in top if docs[k].id]
    titles = _paper_titles(conn, [a for v in picks.values() for a, _ in v])

    rows = []
    for rank, j in enumerate(kept, start=1):
        p = int(cand[j])
        pid = ids[p]
        f = facts[pid]
        act = activity.get(pid, none)
        links = _links(f.get("links_json"))
        terms = explainer.shared_terms(request.text, p, WHY_TERMS)  # type: ignore[attr-defined]
        rows.append({
            "rank": rank,
            "name": f["name"],
            "institution": f["institution"],
            "region": f["region"],
            "country": f["country"],
            "homepage": f.get("final_url") or f.get("homepage") or "",
            "email": f.get("emails") or "",
            "lab": " ".join(x for x in (f.get("lab_name") or "", f.get("lab_url") or "") if x),
            "recruiting": f.get("recruiting") or "",
            "recruiting_evidence": f.get("recruiting_evidence") or "",
            "score": round(float(combined[j]), 4),
            "match": round(float(match_rel[j]), 4),
            "activity": round(float(act_scores[j]), 4),
            "papers_12m": act.papers_12m,
            "papers_24m": act.papers_24m,
            "latest_paper": act.latest.isoformat() if act.latest else "",
            "top_papers": " | ".join(f"{titles.get(a, a)} ({arxiv_url(a)})"
                                     for a, _ in picks[j]),
            "why": ("shared terms: " + ", ".join(terms)) if terms else "",
            "scholar": scholar_url(f.get("scholar_id"), links),
            "dblp": dblp_url(f["name"], links),
            "send_time": suggest_send_time(f.get("latitude"), f.get("longitude"),
                                           f.get("country"), as_of),
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return ShortlistResult(frame, request.matcher, cached, len(profiles), len(candidates),
                           warnings)


def _document_scorer(matcher: ProfileMatcher, query: str) -> Callable[[int], np.ndarray]:
    """Per-document similarities of one profile: that profile's alone when the matcher can
    score them so, else taken from one pass over every document (made once, not per row)."""
    one = getattr(matcher, "profile_document_scores", None)
    if one is not None:
        return lambda profile: np.asarray(one(query, profile), dtype=float)
    every = matcher.document_scores(query)
    return lambda profile: np.asarray(every[profile], dtype=float)


def read_interests(path: str | Path | None) -> str:
    """The text of an interests file (statement of purpose, CV, abstracts), UTF-8."""
    if path is None:
        return ""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None


def shortlist(
    db: str | Path | sqlite3.Connection,
    query: str = "",
    *,
    interests: str = "",
    interests_file: str | Path | None = None,
    top: int = DEFAULT_TOP,
    areas: Sequence[str] = (),
    regions: Sequence[str] = (),
    countries: Sequence[str] = (),
    institutions: Sequence[str] = (),
    active_months: int | None = None,
    recruiting_only: bool = False,
    match_weight: float = DEFAULT_MATCH_WEIGHT,
    activity_weight: float = DEFAULT_ACTIVITY_WEIGHT,
    per_institution: int | None = DEFAULT_PER_INSTITUTION,
    matcher: str = DEFAULT_MATCHER,
    as_of: date | None = None,
) -> pd.DataFrame:
    """The shortlist as a DataFrame (columns :data:`COLUMNS`), for notebooks and scripts.

    ``db`` is a store path or an open connection. Raises :class:`UserError` on bad input.
    """
    text = "\n".join(t for t in (interests, read_interests(interests_file)) if t)
    request = ShortlistRequest(
        query=query, interests=text, top=top,
        filters=Filters(areas=list(areas), regions=list(regions), countries=list(countries),
                        institutions=list(institutions)),
        active_months=active_months, recruiting_only=recruiting_only,
        match_weight=match_weight, activity_weight=activity_weight,
        per_institution=per_institution, matcher=matcher, as_of=as_of,
    )
    if isinstance(db, sqlite3.Connection):
        return build_shortlist(db, request).frame
    if not Path(db).exists():
        raise UserError(f"no store at {db}: run `profscout crawl` first")
    conn = connect(db)
    try:
        return build_shortlist(conn, request).frame
    finally:
        conn.close()
