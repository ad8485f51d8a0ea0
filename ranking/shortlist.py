"""The ranked, explained shortlist: match x activity, filters, diversity cap, evidence.

Steps: build every professor's profile from the store; fit (or load from the store's cache)
the matcher on all of them; score the query; keep the professors the filters select who share
something with the query; combine ``match`` (the similarity over the best candidate's, so the
best is 1) and ``activity`` (:mod:`ranking.activity`) in a weighted geometric mean with the
user's weights (:func:`combine`); beside it, report ``relevance``, the absolute match
(:mod:`ranking.relevance`: comparable across queries and filters, and what ``min_match``
filters on) and its ``match_strength``; keep at most
``per_institution`` per institution; explain each row with the shared terms and the three
best-matching recent papers. :func:`build_shortlist` runs these steps, each a function here
(:func:`validate_request`, :func:`select_candidates`, :func:`score_candidates`,
:func:`cap_per_group`, :func:`format_row`); every read goes through
:mod:`profscout.core.store.profiles`, in batches.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from profscout.core.activity import MIN_CONFIDENCE, months_ago
from profscout.core.config import (
    RANK_ACTIVITY_WEIGHT,
    RANK_MATCH_WEIGHT,
    RANK_PER_INSTITUTION,
    RANK_TOP,
    default_matcher,
)
from profscout.core.errors import UserError
from profscout.core.selection import Filters, select
from profscout.core.store import connect
from profscout.core.store.campaign import contacted_professor_ids
from profscout.core.store.embeddings import EmbeddingTable
from profscout.core.store.papers import AttributionCounts, attribution_counts
from profscout.core.store.profiles import (
    ProfessorFacts,
    has_professors,
    paper_titles,
    professor_facts,
)
from ranking.activity import ActivityRow, store_activity_rows
from ranking.base import Document, Matcher
from ranking.cache import fitted_matcher
from ranking.embedding_cache import EmbeddingCache, Progress
from ranking.matchers import MATCHERS
from ranking.profiles import ProfileOptions, StoreProfiles
from ranking.relevance import absolute_similarity, relevance, strength
from ranking.sendtime import suggest_send_time

COLUMNS = [
    "rank", "name", "institution", "region", "country", "homepage", "email", "lab",
    "recruiting", "recruiting_evidence", "score", "match", "activity", "papers_12m",
    "papers_24m", "latest_paper", "top_papers", "why", "scholar", "dblp", "send_time",
    "relevance", "match_strength", "papers_confirmed", "papers_uncertain", "email_evidence",
]
DEFAULT_TOP = RANK_TOP
DEFAULT_PER_INSTITUTION = RANK_PER_INSTITUTION
DEFAULT_MATCH_WEIGHT = RANK_MATCH_WEIGHT
DEFAULT_ACTIVITY_WEIGHT = RANK_ACTIVITY_WEIGHT
TOP_PAPERS = 3
WHY_TERMS = 8
NO_ACTIVITY = ActivityRow(0.0, 0, 0, None)


class InvalidRequest(UserError):
    """A shortlist request with a bad value: ``field`` names the request field (e.g.
    ``"top"``), ``problem`` says what is wrong with it ("must be at least 1")."""

    def __init__(self, field: str, problem: str, message: str | None = None) -> None:
        super().__init__(message or f"{field.replace('_', ' ')} {problem}")
        self.field = field
        self.problem = problem


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
    matcher: str = field(default_factory=default_matcher)
    as_of: date | None = None
    exclude_contacted: bool = False
    min_match: float = 0.0  # the least relevance (0..1) a professor needs

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
    """Check what needs no store: the query, weights, counts, matcher name
    (:class:`InvalidRequest` naming the field)."""
    if not request.text:
        raise InvalidRequest("query", "is empty", "empty query: say in a few words what you "
                             "want to work on (or give interests text)")
    if request.match_weight < 0 or request.activity_weight < 0:
        raise InvalidRequest("weights", "must not be negative")
    if request.match_weight + request.activity_weight <= 0:
        raise InvalidRequest("weights", "cannot both be 0",
                             "the match and activity weights cannot both be 0")
    if request.top < 1:
        raise InvalidRequest("top", "must be at least 1")
    if request.per_institution is not None and request.per_institution < 0:
        raise InvalidRequest("per_institution", "must not be negative (0 = no cap)")
    if request.active_months is not None and request.active_months < 1:
        raise InvalidRequest("active_months", "must be at least 1")
    if not 0.0 <= request.min_match <= 1.0:
        raise InvalidRequest("min_match", "must be within 0 and 1")
    if request.matcher not in MATCHERS:
        raise InvalidRequest("matcher", "is unknown", f"unknown matcher {request.matcher!r}; "
                             f"choose one of: {', '.join(MATCHERS)}")


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


def _links(raw: str | None) -> dict[str, str]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


# -- the steps of build_shortlist ---------------------------------------------------------
def require_professors(conn: sqlite3.Connection) -> None:
    """UserError when the store holds no professor."""
    if not has_professors(conn):
        raise UserError("the store has no professors yet: run `profscout crawl` first")


def store_profiles(conn: sqlite3.Connection, as_of: date) -> StoreProfiles:
    """The store's profiles as of ``as_of``; UserError when there is nothing to match."""
    profiles = StoreProfiles(conn, as_of, ProfileOptions())  # built only where needed
    if not profiles:
        raise UserError("the store has no papers or homepage interests to match against: "
                        "run `profscout crawl` first (with the arxiv stage)")
    return profiles


def check_matchable(matcher: Matcher, text: str, indexed: int) -> None:
    """UserError when the matcher knows that no word of ``text`` is in its index."""
    known = matcher.known_terms(text)
    if known is not None and not known:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise UserError(f"nothing to match on: no word of {shown!r} occurs in the "
                        f"indexed papers and interests of {indexed} professors")


def select_candidates(ids: Sequence[int], match: np.ndarray, selected: set[int],
                      activity: dict[int, ActivityRow], facts: dict[int, ProfessorFacts],
                      request: ShortlistRequest, as_of: date,
                      relevances: np.ndarray | None = None) -> list[int]:
    """Positions (in ``ids``) of the selected professors who share something with the query
    and pass the activity, recruiting and (with ``relevances``) least-relevance filters."""
    boundary = months_ago(as_of, request.active_months) if request.active_months else None
    candidates = []
    for i, pid in enumerate(ids):
        if pid not in selected or match[i] <= 0:
            continue
        if relevances is not None and relevances[i] < request.min_match:
            continue
        latest = activity.get(pid, NO_ACTIVITY).latest
        if boundary is not None and (latest is None or latest <= boundary):
            continue
        if request.recruiting_only and (facts[pid].recruiting or "") != "yes":
            continue
        candidates.append(i)
    return candidates


@dataclass(frozen=True)
class Scored:
    """The candidates' scores, aligned with ``positions`` (positions in the profile ids)."""

    positions: np.ndarray
    match: np.ndarray  # relative: the best candidate's match is 1
    activity: np.ndarray
    score: np.ndarray

    def order(self) -> list[int]:
        """Indexes into the candidates, best first: by score, then by match."""
        return np.lexsort((-self.match, -self.score)).tolist()


def score_candidates(candidates: Sequence[int], match: np.ndarray, activity: Sequence[float],
                     request: ShortlistRequest) -> Scored:
    """Relative match, activity and combined score of each candidate."""
    positions = np.asarray(candidates)
    best = float(match[positions].max())
    relative = match[positions] / best if best > 0 else np.zeros(len(positions))
    act = np.asarray(activity, dtype=float)
    return Scored(positions, relative, act,
                  combine(relative, act, request.match_weight, request.activity_weight))


def top_papers(documents: Sequence[Document], sims: np.ndarray) -> list[str]:
    """Ids of the (up to) :data:`TOP_PAPERS` documents most similar to the query."""
    sims = sims[:len(documents)]
    best = [k for k in np.argsort(-sims, kind="stable")[:TOP_PAPERS] if sims[k] > 0]
    return [documents[k].id for k in best if documents[k].id]


def explain_match(terms: Sequence[str], titles: Sequence[str]) -> str:
    """The ``why`` cell: the best-matching papers' titles (embedding matchers) and the
    shared terms, each part only when there is something to say."""
    parts = []
    if titles:
        parts.append("closest papers: " + "; ".join(f"\u201c{t}\u201d" for t in titles))
    if terms:
        parts.append("shared terms: " + ", ".join(terms))
    return "; ".join(parts)


def format_row(rank: int, facts: ProfessorFacts, activity: ActivityRow, score: float,
               match: float, papers: Sequence[tuple[str, str]], terms: Sequence[str],
               as_of: date, by_papers: bool = False, relevance_value: float = 0.0,
               attribution: AttributionCounts | None = None) -> dict[str, object]:
    """One shortlist row (:data:`COLUMNS`); ``papers`` are ``(arxiv id, title)``, best
    match first; ``by_papers``: the matcher explains by its best-matching papers;
    ``relevance_value`` the calibrated absolute match; ``attribution`` how many of the
    last 24 months' papers are confirmed as theirs and how many are uncertain leads."""
    links = _links(facts.links_json)
    return {
        "rank": rank,
        "name": facts.name,
        "institution": facts.institution,
        "region": facts.region,
        "country": facts.country,
        "homepage": facts.final_url or facts.homepage or "",
        "email": facts.emails or "",
        "lab": " ".join(x for x in (facts.lab_name or "", facts.lab_url or "") if x),
        "recruiting": facts.recruiting or "",
        "recruiting_evidence": facts.recruiting_evidence or "",
        "score": round(score, 4),
        "match": round(match, 4),
        "activity": round(float(activity.score), 4),
        "papers_12m": activity.papers_12m,
        "papers_24m": activity.papers_24m,
        "latest_paper": activity.latest.isoformat() if activity.latest else "",
        "top_papers": " | ".join(f"{title} ({arxiv_url(a)})" for a, title in papers),
        "why": explain_match(terms, [title for _, title in papers] if by_papers else []),
        "scholar": scholar_url(facts.scholar_id, links),
        "dblp": dblp_url(facts.name, links),
        "send_time": suggest_send_time(facts.latitude, facts.longitude, facts.country, as_of),
        "relevance": round(relevance_value, 4),
        "match_strength": strength(relevance_value),
        "papers_confirmed": attribution.confirmed if attribution else 0,
        "papers_uncertain": attribution.uncertain if attribution else 0,
        "email_evidence": facts.email_evidence or "",
    }


def _term_explainer(conn: sqlite3.Connection, matcher: Matcher, profiles: StoreProfiles,
                    use_cache: bool) -> Matcher:
    """The matcher if it explains by terms, else the (cached) TF-IDF matcher."""
    if matcher.explains_terms:
        return matcher
    return fitted_matcher(conn, "tfidf", profiles, use_cache=use_cache)[0]


def _cached_parts(conn: sqlite3.Connection, name: str, profiles: StoreProfiles,
                  use_cache: bool) -> dict[str, object]:
    """Parameters that hand a fused matcher its cacheable side, fitted through the store's
    cache: the hybrid's TF-IDF (else refitted on every rank, the most of a re-rank's time)."""
    if name != "hybrid":
        return {}
    from ranking.semantic import HYBRID_LEXICAL_AGGREGATION

    lexical, _ = fitted_matcher(conn, "tfidf", profiles,
                                {"aggregation": HYBRID_LEXICAL_AGGREGATION}, use_cache=use_cache)
    return {"lexical": lexical}


def build_shortlist(conn: sqlite3.Connection, request: ShortlistRequest,
                    use_cache: bool = True, progress: Progress | None = None
                    ) -> ShortlistResult:
    """Rank the store's professors against ``request``; see the module docstring.

    Embeddings (for matchers that use them) are written to the store chunk by chunk as they
    are made, so an interrupted run resumes where it stopped; ``progress(done, total)`` hears
    about each chunk.
    """
    validate_request(request)
    as_of = request.as_of or datetime.now(UTC).date()
    require_professors(conn)
    selection = select(conn, request.filters)
    profiles = store_profiles(conn, as_of)
    embeddings = EmbeddingCache(EmbeddingTable(conn), autosave=True, progress=progress)
    matcher, cached = fitted_matcher(conn, request.matcher, profiles,
                                     _cached_parts(conn, request.matcher, profiles, use_cache),
                                     use_cache=use_cache, embeddings=embeddings)
    ids = profiles.ids
    check_matchable(matcher, request.text, len(profiles))
    match = np.asarray(matcher.score([request.text]), dtype=float)[0]
    relevances = relevance(absolute_similarity(matcher, request.text, match), request.matcher)

    activity = store_activity_rows(conn, as_of, use_cache=use_cache)
    facts = professor_facts(conn, ids)
    selected = set(selection.ids)
    if request.exclude_contacted:
        selected -= contacted_professor_ids(conn)
    candidates = select_candidates(ids, match, selected, activity, facts, request, as_of,
                                   relevances)
    warnings = list(selection.warnings)
    if not candidates:
        embeddings.save()
        least = f" (with a relevance of at least {request.min_match})" if request.min_match else ""
        warnings.append(f"no professor matches both the query and the filters{least}")
        return ShortlistResult(pd.DataFrame(columns=COLUMNS), request.matcher, cached,
                               len(profiles), 0, warnings)

    scored = score_candidates(
        candidates, match, [activity.get(ids[i], NO_ACTIVITY).score for i in candidates],
        request)
    institutions = [facts[ids[i]].institution for i in candidates]
    kept = cap_per_group(scored.order(), institutions, request.per_institution, request.top)

    explainer = _term_explainer(conn, matcher, profiles, use_cache)
    document_scores = matcher.document_scorer(request.text)
    shown = [int(scored.positions[j]) for j in kept]
    picks = {j: top_papers(profile.documents, document_scores(p))
             for j, p, profile in zip(kept, shown, profiles.at(shown), strict=True)}
    titles = paper_titles(conn, [a for v in picks.values() for a in v])
    embeddings.save()

    sure = attribution_counts(conn, [ids[p] for p in shown], MIN_CONFIDENCE,
                              since=months_ago(as_of, 24).isoformat())
    rows = []
    for rank, j in enumerate(kept, start=1):
        p = int(scored.positions[j])
        rows.append(format_row(
            rank, facts[ids[p]], activity.get(ids[p], NO_ACTIVITY), float(scored.score[j]),
            float(scored.match[j]), [(a, titles.get(a, a)) for a in picks[j]],
            explainer.shared_terms(request.text, p, WHY_TERMS), as_of,
            by_papers=matcher.explains_by_documents, relevance_value=float(relevances[p]),
            attribution=sure[ids[p]]))
    return ShortlistResult(pd.DataFrame(rows, columns=COLUMNS), request.matcher, cached,
                           len(profiles), len(candidates), warnings)


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
    matcher: str | None = None,
    as_of: date | None = None,
    min_match: float = 0.0,
) -> pd.DataFrame:
    """The shortlist as a DataFrame (columns :data:`COLUMNS`), for notebooks and scripts.

    ``db`` is a store path or an open connection; ``matcher`` None is
    :func:`~profscout.core.config.default_matcher`. Raises :class:`UserError` on bad input.
    """
    text = "\n".join(t for t in (interests, read_interests(interests_file)) if t)
    request = ShortlistRequest(
        query=query, interests=text, top=top,
        filters=Filters(areas=list(areas), regions=list(regions), countries=list(countries),
                        institutions=list(institutions)),
        active_months=active_months, recruiting_only=recruiting_only,
        match_weight=match_weight, activity_weight=activity_weight,
        per_institution=per_institution, matcher=matcher or default_matcher(),
        as_of=as_of, min_match=min_match,
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
