"""Whose paper is it? Precision and recall of arXiv attribution on labels made at run time.

Labels come from the recorded homepages of the replay world (``homepages/manifest.csv``):
their publication pages name their papers. For each recorded professor (all of them, so
every common name among them is in), the bench

1. imports the world's CSRankings into a fresh store (aliases, namesakes, colleagues) and
   builds the professor with :func:`crawler.arxiv_stage.load_people`, as the crawl does;
2. asks the world's arXiv API once for the professor's name forms (the crawl's query);
3. reads the listed titles and arXiv ids with :func:`crawler.publications.extract_from_pages`
   and splits them into two folds by a hash of the title: the attribution sees one fold as
   evidence and is scored on the other (then the other way round), so a title never both
   confirms a paper and labels it;
4. labels each returned paper with an author of the professor's surname: *theirs* when the
   pages list it; *someone else's* when the pages do not list it although they list papers
   at least as new (the list is kept up to date past it), write the co-authors of most
   listed papers, and name none of its co-authors anywhere (not an unlisted preprint of the
   person's group); anything else is unlabelled. "Anywhere" is the pages' text and (labels
   ``coauthors``, the default) the arXiv author lists of the papers the pages list: a
   distinctive co-author of a listed paper ties an unlisted paper to the person's group
   even when the pages write titles only. ``--labels pages`` is the text-only rule, kept so
   figures can be compared across the change. ``--labels partial`` is ``coauthors`` where,
   besides, pages that send the reader elsewhere for the full list ("for the complete list
   of publications, see my Google Scholar") label nothing someone else's: they say
   themselves that they list part of the person's work (:func:`points_elsewhere`).

A name is *common* when the papers written under its exact form fall into at least
``COMMON_CLUSTERS`` groups of two or more papers with no co-author in common (a proxy for
distinct arXiv authors sharing the name form). Professors are split into two halves by a
hash of their name; both halves and their sum (``all``) are reported. Which rule came from
looking at which professors, and in which half, is listed in ``bench/attribution_rules.md``.
Each counted paper labelled someone else's is reported with the evidence that admitted it.

Beside the attribution, the bench scores the *name-only* rule on the same labels: every paper
with an author whose written name matches an alias (:func:`name_only`): how a name that is
not held ambiguous is counted when nothing speaks against a paper, and (less given names
split differently) how such names were counted before the rules of
``bench/attribution_rules.md``. ``beyond_name_only`` says, per group, how
many counted papers the name-only rule would not count, and how they are labelled. Besides
common and distinctive (the bench's own test), professors are grouped by what the
attribution makes of the name: ``held-unambiguous`` or ``held-ambiguous``. For a name held
unambiguous, a paper beyond the name-only rule (a written name that differs) counts only when
the person's own list names it or with first-hand evidence; where there is none such
(``beyond_name_only`` 0), the counted papers of those names are a subset of what counting by
name gave, and a precision of 1.00 there stays 1.00.
Usage::

    .venv/bin/python bench/attribution.py [--arxiv-url URL] [--cache DIR] [--today DATE]
        [--labels coauthors|pages|partial] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pickle
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import html as lxml_html  # noqa: E402

from crawler import csrankings as csr  # noqa: E402
from crawler.arxiv_client import ArxivClient, Paper  # noqa: E402
from crawler.arxiv_stage import attribute_papers, load_people  # noqa: E402
from crawler.publications import extract_from_pages  # noqa: E402
from profscout.core.activity import MIN_CONFIDENCE, months_ago  # noqa: E402
from profscout.core.names import (  # noqa: E402
    NEEDS_EVIDENCE,
    author_key,
    common_name_pattern,
    fold,
    match_author,
    parse_name,
)
from profscout.core.store import connect  # noqa: E402
from profscout.core.store.csrankings import import_snapshot  # noqa: E402
from profscout.core.store.papers import professor_ids_by_alias  # noqa: E402
from profscout.core.titles import ListedTitles  # noqa: E402

WORLD = Path(os.environ.get("PROFSCOUT_WORLD", ROOT.parent / "shared" / "world"))
COMMON_CLUSTERS = 6
MONTHS = 36


def half(name: str) -> str:
    return "A" if int(hashlib.sha1(name.encode()).hexdigest(), 16) % 2 == 0 else "B"


def fold_of(title: str) -> int:
    return int(hashlib.sha1(title.encode()).hexdigest(), 16) % 2


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    professors: int = 0
    false_positives: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.professors += other.professors
        self.false_positives += other.false_positives
        self.misses += other.misses

    def figures(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return {"professors": self.professors, "labelled_theirs": self.tp + self.fn,
                "counted": self.tp + self.fp, "wrong": self.fp, "precision": round(p, 3),
                "recall": round(r, 3)}


def name_only(papers: Sequence[Paper], aliases: Sequence[str]) -> set[str]:
    """The arXiv ids the name-only rule counts: an author's written name matches an alias
    well enough to count (not a form that needs evidence: a given name split differently, a
    letter off)."""
    out = set()
    for paper in papers:
        for author in paper.authors:
            match = match_author(author, aliases)
            if match and match.score >= MIN_CONFIDENCE and match.how not in NEEDS_EVIDENCE:
                out.add(paper.arxiv_id)
                break
    return out


@dataclass
class Beyond:
    """Counted papers the name-only rule would not count, by label."""

    theirs: int = 0
    wrong: int = 0
    unlabelled: int = 0

    def add(self, other: Beyond) -> None:
        self.theirs += other.theirs
        self.wrong += other.wrong
        self.unlabelled += other.unlabelled


def name_clusters(papers: list[Paper], key: str) -> int:
    """Groups of two or more papers under the exact name ``key`` linked by shared co-authors
    (a research group's signature): a proxy for how many arXiv authors write under it."""
    own = [p for p in papers if any(parse_name(a).key == key for a in p.authors)]
    parent = list(range(len(own)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_seen: dict[str, int] = {}
    for i, p in enumerate(own):
        links = [author_key(a) for a in p.authors
                 if parse_name(a).key != key and not common_name_pattern(a)]
        for k in links:
            if k in first_seen:
                parent[find(i)] = find(first_seen[k])
            else:
                first_seen[k] = i
    sizes: dict[int, int] = defaultdict(int)
    for i in range(len(own)):
        sizes[find(i)] += 1
    return sum(1 for n in sizes.values() if n >= 2)


def labels(papers: list[Paper], surname: str, listed: ListedTitles, own_keys: set[str],
           page_text: str, all_listed: ListedTitles | None = None) -> dict[str, bool]:
    """arxiv id → theirs (True) / someone else's (False), for the papers that can be told.

    Theirs: the pages list it. Someone else's: the pages do not list it, list a paper at
    least as new, write the co-authors of most listed papers, and name none of its
    co-authors anywhere (so not an unlisted preprint of the person's own group). With
    ``all_listed`` (every paper the pages list; the ``--labels coauthors`` rule), a paper
    is not someone else's either when it shares a distinctive co-author with one of those
    papers' arXiv author lists: pages that write only titles, or only some co-authors, still
    tie the person to the people they list papers with.
    """
    with_surname = [p for p in papers
                    if any("".join(parse_name(a).surname) == surname for a in p.authors)]
    theirs = [p for p in with_surname if listed.names(p.arxiv_id, p.title)]
    out = {p.arxiv_id: True for p in theirs}
    if not theirs:
        return out
    newest = max(p.published for p in theirs)
    padded = f" {page_text} "

    def others(paper: Paper) -> list[str]:
        return [a for a in paper.authors if author_key(a) not in own_keys
                and "".join(parse_name(a).surname) != surname]

    listed_with = {author_key(a) for p in with_surname
                   if all_listed is not None and all_listed.names(p.arxiv_id, p.title)
                   for a in others(p) if not common_name_pattern(a)}

    def named(paper: Paper) -> bool:
        return any(form in padded for a in others(paper) for form in _written_forms(a)) \
            or any(author_key(a) in listed_with for a in others(paper))

    if sum(map(named, theirs)) * 2 < len(theirs):
        return out  # the pages do not write co-authors: nothing is told from their absence
    for p in with_surname:
        if p.arxiv_id in out or p.published > newest:
            continue
        if not named(p):
            out[p.arxiv_id] = False
    return out


_ELSEWHERE = re.compile(
    r"\b(see|visit|found|refer)\b[^.!?]{0,80}\b(full|complete)\b[^.!?]{0,30}"
    r"\b(list|publications)\b"
    r"|\b(full|complete)\b[^.!?]{0,30}\b(list|publications)\b[^.!?]{0,40}"
    r"\b(see|visit|found|refer)\b", re.IGNORECASE)


def points_elsewhere(text: str) -> bool:
    """Whether a page's text sends the reader to another source for the full list of
    publications ("For the complete list of publications, see my Google Scholar", "My full
    publication list can be found at DBLP"): what it lists is a part, so a paper's absence
    from it says nothing about whose the paper is."""
    return bool(_ELSEWHERE.search(" ".join(text.split())))


def _written_forms(author: str) -> list[str]:
    """How a page may write a co-author: "jane doe", "j doe", "doe j", "doe jane"."""
    p = parse_name(author)
    surname = " ".join(p.surname)
    first = p.first or p.initials[:1]
    if not surname or not first:
        return [f" {fold(author)} "]
    return [f" {fold(author)} ", f" {first} {surname} ", f" {first[0]} {surname} ",
            f" {surname} {first[0]} ", f" {surname} {first} "]


def _papers(client: ArxivClient, forms: list[str], window: date, today: date,
            cache: Path | None) -> list[Paper]:
    """The crawl's query for one professor (answers kept in ``cache``, a folder, if given)."""
    if cache is None:
        return client.search_authors(forms, window, today).papers
    path = cache / (hashlib.sha1(repr((forms, window, today)).encode()).hexdigest() + ".pickle")
    if path.exists():
        return list(pickle.loads(path.read_bytes()))
    papers = client.search_authors(forms, window, today).papers
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(papers))
    return papers


def run(arxiv_url: str, today: date, cache: Path | None = None,
        rule: str = "coauthors") -> dict[str, object]:
    world = WORLD
    snap = csr.build_snapshot([(world / "csrankings" / "csrankings.csv").read_bytes()],
                              (world / "csrankings" / "country-info.csv").read_bytes())
    window = months_ago(today, MONTHS)
    client = ArxivClient(arxiv_url, delay=0.0)
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    baseline: dict[tuple[str, str], Tally] = defaultdict(Tally)
    beyond: dict[tuple[str, str], Beyond] = defaultdict(Beyond)
    per_professor = []
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        import_snapshot(conn, snap)
        manifest = list(csv.DictReader((world / "homepages" / "manifest.csv").open()))
        for row in manifest:
            ids = professor_ids_by_alias(conn, row["name"])
            if not ids:
                continue
            person = load_people(conn, ids[:1], window)[0]
            pages = [(world / "homepages" / f).read_bytes() for f in row["files"].split(";")]
            listed = extract_from_pages(pages)
            texts = [lxml_html.fromstring(page).text_content() for page in pages if page.strip()]
            page_text = " ".join(fold(text) for text in texts)
            partial = rule == "partial" and any(points_elsewhere(text) for text in texts)
            papers = _papers(client, person.forms, window, today, cache)
            key = parse_name(person.name).key
            surname = "".join(parse_name(person.name).surname)
            own = {author_key(a) for a in person.aliases}
            clusters = name_clusters(papers, key)
            group = "common" if clusters >= COMMON_CLUSTERS else "distinctive"
            tally, by_name, extra = Tally(professors=1), Tally(professors=1), Beyond()
            named = name_only(papers, person.aliases)
            for part in (0, 1):
                evidence = ListedTitles([t for t in listed.titles if fold_of(t) == part],
                                        [i for i in listed.arxiv_ids if fold_of(i) == part])
                scored = ListedTitles([t for t in listed.titles if fold_of(t) != part],
                                      [i for i in listed.arxiv_ids if fold_of(i) != part])
                shown = ListedTitles(listed.titles, listed.arxiv_ids)
                truth = labels(papers, surname, scored, own, page_text,
                               None if rule == "pages" else shown)
                if partial:
                    truth = {k: v for k, v in truth.items() if v}
                hidden = {p.arxiv_id for p in papers if shown.names(p.arxiv_id, p.title)
                          and not scored.names(p.arxiv_id, p.title)}
                person.listed = evidence
                result = attribute_papers([person], papers, (today - window).days)[0]
                held = "held-ambiguous" if result.ambiguous else "held-unambiguous"
                counted = {f.paper.arxiv_id: f.attribution.evidence for f in result.kept
                           if f.attribution.confidence >= MIN_CONFIDENCE}
                for arxiv_id in counted.keys() - named - hidden:
                    label = truth.get(arxiv_id)
                    if label is None:
                        extra.unlabelled += 1
                    elif label:
                        extra.theirs += 1
                    else:
                        extra.wrong += 1
                for arxiv_id, theirs in truth.items():
                    if arxiv_id in hidden:
                        continue
                    by_name.tp += theirs and arxiv_id in named
                    by_name.fn += theirs and arxiv_id not in named
                    by_name.fp += not theirs and arxiv_id in named
                    hit = arxiv_id in counted
                    if theirs and hit:
                        tally.tp += 1
                    elif theirs:
                        tally.fn += 1
                        tally.misses.append(f"{person.name}: {arxiv_id}")
                    elif hit:
                        tally.fp += 1
                        tally.false_positives.append(
                            f"{person.name}: {arxiv_id} ({counted[arxiv_id]})")
            per_professor.append({"name": row["name"], "half": half(row["name"]),
                                  "group": group, "held": held, "clusters": clusters,
                                  "papers": len(papers), "listed_titles": len(listed.titles),
                                  **tally.figures()})
            for h in (half(row["name"]), "all"):
                for g in (group, "all", held):
                    tallies[(h, g)].add(tally)
                    baseline[(h, g)].add(by_name)
                    beyond[(h, g)].add(extra)
        conn.close()
    return {"window_months": MONTHS, "common_clusters": COMMON_CLUSTERS, "labels": rule,
            "figures": {f"{h}/{g}": t.figures() for (h, g), t in sorted(tallies.items())},
            "false_positives": {f"{h}/{g}": t.false_positives
                                for (h, g), t in sorted(tallies.items())
                                if g in ("common", "distinctive") and h != "all"},
            "misses": {f"{h}/{g}": t.misses
                       for (h, g), t in sorted(tallies.items())
                       if g in ("common", "distinctive") and h != "all"},
            "name_only": {f"{h}/{g}": t.figures() for (h, g), t in sorted(baseline.items())},
            "beyond_name_only": {f"{h}/{g}": vars(b) for (h, g), b in sorted(beyond.items())},
            "professors": per_professor, "arxiv_calls": client.calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arxiv-url", default="http://127.0.0.1:18765/arxiv/api/query")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--cache", type=Path, help="folder keeping the API's answers (outside "
                        "the repository) for reruns")
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    parser.add_argument("--labels", choices=("coauthors", "pages", "partial"),
                        default="coauthors",
                        help="who may be told someone else's: 'pages' tests only the pages' "
                        "text for co-authors (the first rule); 'coauthors' also the arXiv "
                        "co-authors of the papers the pages list (default); 'partial' as "
                        "'coauthors', and nobody's papers on pages that send the reader "
                        "elsewhere for the full list")
    args = parser.parse_args()
    out = run(args.arxiv_url, args.today, args.cache, args.labels)
    for key, figures in out["figures"].items():  # type: ignore[attr-defined]
        print(f"{key:16} {figures}")
    print("name-only rule on the same labels:")
    for key, figures in out["name_only"].items():  # type: ignore[attr-defined]
        print(f"{key:16} {figures}")
    print("counted beyond the name-only rule (their labels):")
    for key, extra in out["beyond_name_only"].items():  # type: ignore[attr-defined]
        print(f"{key:16} {extra}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
