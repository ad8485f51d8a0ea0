"""Extraction quality on the replay world's recorded homepages.

Starts its own replay world, imports the CSRankings rows of the recorded homepages (from the
world's ``manifest.csv``) into a fresh store, crawls them with the real ``homepages`` spider
and scores what the store holds against ``homepages/labels.csv``:

- email precision (predicted addresses that are one of the person's) and recall (people with
  a labelled address for whom one was found);
- recruiting precision and recall for ``yes`` (rows labelled ``?`` left out);
- lab-name accuracy (rows labelled ``?`` left out; equal after folding, or one contains the
  other);
- interests recall (labelled phrases found in the stored interests and keyphrases).

Figures are printed for all pages and for two halves split by host (hosts sorted by their
SHA-256; the first half is ``A``, the rest ``B``), so rules written while looking only at
half A's failures can be judged on half B.

``--offline`` skips the world and the spider: it reads the recorded files directly, follows
the same candidate links the spider would (those recorded), and extracts in-process; quick,
for iterating. The default run is the real crawl.

    .venv/bin/python -m bench.extraction [--max-pages 4] [--offline] [--half A|B] [-v]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
import tempfile
import time
import unicodedata
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@dataclass
class Prediction:
    """What the crawl stored for one homepage."""

    emails: str = ""
    recruiting: str = ""
    evidence: str = ""
    lab_name: str = ""
    interests: str = ""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _split(value: str) -> list[str]:
    return [v.strip().lower() for v in value.split(";") if v.strip()]


def lab_matches(predicted: str, label: str) -> bool:
    """Equal after folding, or one name contains the other (e.g. with/without acronym)."""
    p, g = _fold(predicted), _fold(label)
    if not p or not g:
        return p == g
    return p == g or f" {g} " in f" {p} " or f" {p} " in f" {g} "


def phrase_found(phrase: str, text: str) -> bool:
    """A labelled interest phrase is found when all its words occur in the text."""
    words = _fold(phrase).split()
    folded = f" {_fold(text)} "
    return bool(words) and all(f" {w} " in folded or f" {w}s " in folded for w in words)


def score(labels: Iterable[Mapping[str, str]], predictions: Mapping[str, Prediction],
          verbose: bool = False) -> dict[str, float | int]:
    """Figures over the labelled homepages (keyed by the label's ``homepage``)."""
    e_pred = e_correct = e_want = e_found = 0
    r_tp = r_pred = r_want = 0
    lab_total = lab_ok = 0
    phrases = phrases_found = 0
    for row in labels:
        pred = predictions.get(row["homepage"], Prediction())
        gold = set(_split(row["email"]))
        got = _split(pred.emails)
        e_pred += len(got)
        e_correct += sum(1 for g in got if g in gold)
        if gold:
            e_want += 1
            e_found += bool(gold & set(got))
        if verbose and set(got) - gold or (verbose and gold and not gold & set(got)):
            print(f"EMAIL  {row['homepage']}: got {got} want {sorted(gold)}")
        if row["recruiting"] in ("yes", "no"):
            r_pred += pred.recruiting == "yes"
            r_want += row["recruiting"] == "yes"
            r_tp += pred.recruiting == "yes" and row["recruiting"] == "yes"
            if verbose and (pred.recruiting == "yes") != (row["recruiting"] == "yes"):
                print(f"RECRUIT {row['homepage']}: got {pred.recruiting!r} want "
                      f"{row['recruiting']}: {pred.evidence[:150]!r}")
        if row["lab_name"] != "?":
            lab_total += 1
            ok = lab_matches(pred.lab_name, row["lab_name"])
            lab_ok += ok
            if verbose and not ok:
                print(f"LAB    {row['homepage']}: got {pred.lab_name!r} want {row['lab_name']!r}")
        for phrase in _split(row["interests"]):
            phrases += 1
            phrases_found += phrase_found(phrase, pred.interests)
    return {
        "email_precision": round(e_correct / e_pred, 3) if e_pred else 1.0,
        "email_recall": round(e_found / e_want, 3) if e_want else 1.0,
        "recruiting_precision": round(r_tp / r_pred, 3) if r_pred else 1.0,
        "recruiting_recall": round(r_tp / r_want, 3) if r_want else 1.0,
        "lab_accuracy": round(lab_ok / lab_total, 3) if lab_total else 1.0,
        "interests_recall": round(phrases_found / phrases, 3) if phrases else 1.0,
        "homepages": sum(1 for _ in predictions),
    }


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def split_halves(homepages: Iterable[str]) -> dict[str, str]:
    """Homepage -> ``"A"`` or ``"B"``: hosts sorted by SHA-256, the first half is A."""
    homepages = list(homepages)
    hosts = sorted({host_of(u) for u in homepages},
                   key=lambda h: hashlib.sha256(h.encode()).hexdigest())
    cut = (len(hosts) + 1) // 2
    half = {h: "A" if i < cut else "B" for i, h in enumerate(hosts)}
    return {u: half[host_of(u)] for u in homepages}


def recorded_file(folder: Path, url: str) -> Path | None:
    """The recorded file that serves ``url`` under a host folder, if any."""
    path = urlsplit(url).path.lstrip("/")
    options = [path + "index.html"] if not path or path.endswith("/") else \
        [path, path + "/index.html", path + ".html"]
    for option in options:
        candidate = folder / option
        if candidate.is_file():
            return candidate
    return None


def offline_predictions(manifest: Path, max_pages: int) -> dict[str, Prediction]:
    """Extraction straight from the recorded files: the homepage and the candidate links
    the spider would follow (those that were recorded)."""
    from crawler.csrankings import display_name
    from crawler.extract import candidate_links, decode_html, merge_pages
    from crawler.workers import extract_response

    root = manifest.parent
    predictions: dict[str, Prediction] = {}
    for row in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()):
        homepage = row["homepage"]
        folder = root / host_of(homepage)
        index = recorded_file(folder, homepage)
        if index is None:
            continue
        name = display_name(row["name"])
        body = index.read_bytes()
        pages = [extract_response(body, "text/html", homepage, name, True)]
        text, _ = decode_html(body, "text/html")
        for url in candidate_links(text, homepage, max_pages):
            sub = recorded_file(folder, url)
            if sub is not None:
                pages.append(extract_response(sub.read_bytes(), "text/html", url, name, False))
        facts = merge_pages(pages, name)
        predictions[homepage] = Prediction(
            ";".join(facts.emails), facts.recruiting, facts.recruiting_evidence,
            facts.lab_name, facts.interests + "\n" + "\n".join(facts.keyphrases))
    return predictions


def report_halves(labels: list[dict[str, str]], predictions: Mapping[str, Prediction],
                  verbose: bool, only: str | None) -> dict[str, object]:
    """Figures on all pages and on each half; failures printed for ``only`` (or all)."""
    halves = split_halves(row["homepage"] for row in labels)
    result: dict[str, object] = {}
    for half in ("all", "A", "B"):
        rows = [r for r in labels if half == "all" or halves[r["homepage"]] == half]
        shown = verbose and (only == half or (only is None and half == "all"))
        if shown:
            print(f"--- failures, {half}")
        preds = {r["homepage"]: predictions[r["homepage"]] for r in rows
                 if r["homepage"] in predictions}
        figures = score(rows, preds, verbose=shown)
        figures["pages"] = len(rows)
        result[half] = figures
    return result


def world_csrankings(csrankings_url: str) -> list[dict[str, str]]:
    """Every row of the world's ``csrankings.csv``."""
    with urllib.request.urlopen(csrankings_url + "csrankings.csv", timeout=60) as resp:
        return list(csv.DictReader(resp.read().decode("utf-8").splitlines()))


def _world_rows(all_rows: list[dict[str, str]], manifest: Path) -> list[dict[str, str]]:
    """The CSRankings rows of the recorded homepages (matched by name), with the original
    homepage as ``original``."""
    wanted = {(r["name"], r["affiliation"]): r["homepage"]
              for r in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines())}
    rows = []
    for row in all_rows:
        original = wanted.get((row["name"], row["affiliation"]))
        if original is not None:
            rows.append({**row, "original": original})
    return rows


def import_rows(db: Path, rows: list[dict[str, str]]) -> dict[int, str]:
    """Insert the rows as professors; return professor id -> original homepage."""
    from profscout.core.names import display_name
    from profscout.core.store import connect, transaction

    conn = connect(db)
    ids: dict[int, str] = {}
    with transaction(conn):
        for row in rows:
            conn.execute("INSERT OR IGNORE INTO institutions(name) VALUES (?)",
                         (row["affiliation"],))
            cur = conn.execute(
                "INSERT INTO professors(key, name, institution, homepage, scholar_id) "
                "VALUES (?, ?, ?, ?, ?)",
                (row["name"], display_name(row["name"]), row["affiliation"],
                 row["homepage"], row.get("scholarid") or None))
            ids[int(cur.lastrowid)] = row["original"]
    conn.close()
    return ids


def main(argv: list[str] | None = None) -> int:
    from crawler.homepages_stage import crawl_homepages
    from profscout.core.store import connect
    from profscout.core.store.homepages import pending_homepages
    from tests.world import HOMEPAGE_LABELS, HOMEPAGE_MANIFEST, start_world, world_available

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pages", type=int, default=4)
    parser.add_argument("--delay", type=float, default=None,
                        help="DOWNLOAD_DELAY override (seconds) for a quicker run")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--offline", action="store_true",
                        help="extract from the recorded files directly (no world, no spider)")
    parser.add_argument("--csrankings-url", default=None,
                        help="use an already running world's CSRankings (e.g. "
                             "http://127.0.0.1:18765/csrankings/) instead of starting one")
    parser.add_argument("--half", choices=("A", "B"), default=None,
                        help="with -v, print the failures of this half only")
    ns = parser.parse_args(argv)
    if ns.offline:
        if not HOMEPAGE_MANIFEST.is_file():
            print("recorded homepages (../shared/world/homepages) not available",
                  file=sys.stderr)
            return 2
        labels = list(csv.DictReader(HOMEPAGE_LABELS.read_text(encoding="utf-8").splitlines()))
        predictions = offline_predictions(HOMEPAGE_MANIFEST, ns.max_pages)
        print(json.dumps(report_halves(labels, predictions, ns.verbose, ns.half), indent=1))
        return 0
    if not world_available():
        print("replay world (../shared/world) not available", file=sys.stderr)
        return 2
    world = None if ns.csrankings_url else start_world()
    csrankings_url = ns.csrankings_url or (world.csrankings_url if world else "")
    try:
        with tempfile.TemporaryDirectory(prefix="profscout-bench-") as tmp:
            db = Path(tmp) / "bench.db"
            rows = _world_rows(world_csrankings(csrankings_url), HOMEPAGE_MANIFEST)
            ids = import_rows(db, rows)
            # the replay world's homepages listen on loopback addresses
            settings: dict[str, object] = {"PROFSCOUT_ALLOW_LOOPBACK": True}
            if ns.delay is not None:
                settings["DOWNLOAD_DELAY"] = ns.delay
            started = time.monotonic()
            conn = connect(db)
            jobs = pending_homepages(conn)
            conn.close()
            report = crawl_homepages(db, jobs, max_pages=ns.max_pages, settings=settings)
            elapsed = time.monotonic() - started
            conn = connect(db)
            predictions: dict[str, Prediction] = {}
            for r in conn.execute("SELECT * FROM homepages"):
                predictions[ids[r["professor_id"]]] = Prediction(
                    r["emails"], r["recruiting"], r["recruiting_evidence"], r["lab_name"],
                    r["interests"] + "\n" + r["keyphrases"])
            conn.close()
        labels = list(csv.DictReader(HOMEPAGE_LABELS.read_text(encoding="utf-8").splitlines()))
        result = report_halves(labels, predictions, ns.verbose, ns.half)
        result["states"] = report.get("states", {})
        result["crawl_seconds"] = round(elapsed, 1)
        print(json.dumps(result, indent=1))
    finally:
        if world is not None:
            world.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
