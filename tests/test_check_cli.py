"""``profscout check`` end to end: the real CLI in a subprocess against a local arXiv API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from profscout.core.activity import months_ago
from profscout.core.store import connect, transaction
from tests.local_arxiv import Entry, LocalArxiv, add_professor

TODAY = datetime.now(UTC).date()


def _day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def _corpus() -> list[Entry]:
    entries = [Entry(f"2601.{i:05d}", f"Robots {i}", ["Jane Doe", f"Co Author{i}"], _day(40 * i),
                     ["cs.RO"]) for i in range(12)]  # about one paper every 40 days
    entries.append(Entry("2602.00001", "Grasping", ["Jane A. Doe", "Kim Lab"], _day(5), ["cs.RO"]))
    # two different people called Wei Wang
    entries += [Entry(f"2603.{i:05d}", f"Vision {i}", ["Wei Wang", "Carlo Zaniolo"], _day(10 + i),
                      ["cs.CV"]) for i in range(3)]
    entries += [Entry(f"2604.{i:05d}", f"Genes {i}", ["Wei Wang", "Ann Other"], _day(20 + i),
                      ["q-bio.GN"]) for i in range(4)]
    return entries


def _run(server: LocalArxiv, *args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROFSCOUT_ARXIV_URL": server.url, "PROFSCOUT_ARXIV_DELAY": "0"}
    return subprocess.run([sys.executable, "-m", "profscout", "check", *args, "--db", db],
                          capture_output=True, text=True, env=env, timeout=60)


def _expected_in(months: int, name: str = "Jane Doe") -> list[Entry]:
    start = months_ago(TODAY, months).isoformat()
    return [e for e in _corpus() if name in e.authors and e.published > start]


def test_live_lookup_without_a_store(tmp_path):
    db = str(tmp_path / "absent.db")
    with LocalArxiv(_corpus()) as server:
        out = _run(server, "Jane Doe", "--months", "12", "--json", db=db)
        text = _run(server, "Jane Doe", db=db)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    want = _expected_in(12)
    latest = max(e.published for e in want)
    assert data["verdict"] == f"active: {len(want) + 1} papers in the last 12 months, " \
                              f"latest {max(latest, _day(5))}"
    assert data["source"] == "live" and not data["in_store"] and not data["ambiguous"]
    assert data["name_forms_queried"] == ["jane doe"]
    assert data["matched_as"] == ["Jane A. Doe", "Jane Doe"]
    assert [p["date"] for p in data["papers"]] == sorted((p["date"] for p in data["papers"]),
                                                         reverse=True)
    first = next(p for p in data["papers"] if p["arxiv_id"] == "2602.00001")
    assert first["url"] == "https://arxiv.org/abs/2602.00001"
    assert first["coauthors"] == ["Kim Lab"] and first["categories"] == ["cs.RO"]
    assert not (tmp_path / "absent.db").exists()  # a live check writes nothing
    assert text.returncode == 0
    assert "active: " in text.stdout and "arXiv:2602.00001" in text.stdout
    assert "asked arXiv just now" in text.stdout


def test_store_is_used_and_caches_the_answer(tmp_path):
    db = tmp_path / "s.db"
    conn = connect(db)
    with transaction(conn):
        add_professor(conn, "Jane A. Doe", "MIT", aliases=("Jane Doe",), areas=("robotics",))
        add_professor(conn, "Wei Wang 0010", "UCLA", areas=("mod",))
        add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
    conn.close()
    with LocalArxiv(_corpus()) as server:
        first = _run(server, "Jane Doe", "--json", db=str(db))
        calls = len(server.requests)
        second = _run(server, "Jane Doe", "--json", db=str(db))
        assert len(server.requests) == calls  # answered from the store
        both = _run(server, "Wei Wang", db=str(db))
        bio = _run(server, "Wei Wang", "--institution", "nanjing", "--json", db=str(db))
        bio_text = _run(server, "Wei Wang", "--institution", "nanjing", db=str(db))
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["source"] == "live" and a["in_store"] and b["source"] == "cache"
    assert a["verdict"] == b["verdict"] and a["institution"] == "MIT"
    assert [p["arxiv_id"] for p in a["papers"]] == [p["arxiv_id"] for p in b["papers"]]
    assert both.returncode == 2 and "narrow it with --institution" in both.stderr
    assert len(both.stderr.strip().splitlines()) == 1
    w = json.loads(bio.stdout)
    assert w["ambiguous"] and "1 other professor with this name" in w["ambiguity_reasons"]
    # only the q-bio papers fit the Nanjing Wei Wang's area (bio), which every Wei Wang in
    # biology shares: leads, not counted; the vision ones have nothing at all
    assert w["papers"] == []
    assert sorted(p["arxiv_id"] for p in w["unconfirmed_leads"]) == \
        [f"2604.{i:05d}" for i in range(4)]
    assert w["rejected_matches"] == 3
    assert "ambiguous name" in bio_text.stdout and "crawl them first" not in bio_text.stdout


def test_ambiguous_name_without_evidence_is_unconfirmed(tmp_path):
    with LocalArxiv(_corpus()) as server:
        out = _run(server, "Wei Wang", "--json", db=str(tmp_path / "none.db"))
        vision = _run(server, "Wei Wang", "--area", "vision", "--json",
                      db=str(tmp_path / "none.db"))
        text = _run(server, "Wei Wang", "--institution", "Some University",
                    db=str(tmp_path / "none.db"))
    data = json.loads(out.stdout)
    assert data["ambiguous"] and data["papers"] == [] and data["rejected_matches"] == 7
    assert data["verdict"].startswith("unconfirmed: 7 papers under this ambiguous name")
    v = json.loads(vision.stdout)
    assert v["papers"] == [] and v["verdict"].startswith("unconfirmed: ")
    leads = v["unconfirmed_leads"]
    assert sorted(p["arxiv_id"] for p in leads) == [f"2603.{i:05d}" for i in range(3)]
    assert all("categories fit areas (cs.CV)" in p["evidence"] for p in leads)
    # the store does not hold him: the text says how to give the evidence
    assert text.returncode == 0
    assert 'crawl them first (profscout crawl --institution "Some University")' in \
        " ".join(text.stdout.split())


def test_bad_input_and_bad_endpoint_are_one_line_errors(tmp_path):
    db = str(tmp_path / "none.db")
    with LocalArxiv(_corpus()) as server:
        for bad in ["", "J", "  "]:
            out = _run(server, bad, db=db)
            assert out.returncode == 2 and out.stderr.startswith("Error: ")
            assert len(out.stderr.strip().splitlines()) == 1
        server.script = ["html"]
        broken = _run(server, "Jane Doe", db=db)
        nobody = _run(server, "Zyx Qwvut", "--json", db=db)
    assert broken.returncode == 1 and "HTML page" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1
    assert json.loads(nobody.stdout)["verdict"] == \
        "inactive: no arXiv papers in the last 12 months"
    env = {**os.environ, "PROFSCOUT_ARXIV_DELAY": "1"}
    public = subprocess.run([sys.executable, "-m", "profscout", "check", "Jane Doe", "--db", db,
                             "--arxiv-url", "https://export.arxiv.org/api/query"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert public.returncode == 2 and "not allowed" in public.stderr


def test_window_option(tmp_path):
    with LocalArxiv(_corpus()) as server:
        out = _run(server, "Jane Doe", "--months", "3", "--json", db=str(tmp_path / "n.db"))
    data = json.loads(out.stdout)
    want = _expected_in(3)
    assert len(data["papers"]) == len(want) + 1
    assert all(date.fromisoformat(p["date"]) > months_ago(TODAY, 3) for p in data["papers"])


def test_check_professor_from_python(tmp_path):
    """The library call behind the command: a result object, and errors in its own words."""
    import pytest

    from crawler.check import NameNotUsable, SeveralProfessors, check_professor

    db = tmp_path / "lib.db"
    conn = connect(db)
    with transaction(conn):
        add_professor(conn, "Jane Doe", "MIT", areas=("robotics",))
        add_professor(conn, "Wei Wang 0001", "UCLA", areas=("vision",))
        add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
    conn.close()
    with LocalArxiv(_corpus()) as server:
        def check(name: str, **kwargs):
            return check_professor(name, db_path=db, arxiv_url=server.url, arxiv_delay=0,
                                   today=TODAY, **kwargs)

        result = check("Jane Doe", months=12)
        with pytest.raises(SeveralProfessors) as several:
            check("Wei Wang")
        with pytest.raises(NameNotUsable):
            check("!!!")
    assert result.in_store and result.source == "live" and result.institution == "MIT"
    want = {e.arxiv_id for e in _expected_in(12)} | {"2602.00001"}  # "Jane A. Doe" too
    assert {p.arxiv_id for p in result.papers} == want
    assert sorted(m.institution for m in several.value.matches) == ["Nanjing University", "UCLA"]
    assert "--" not in str(several.value)  # no command-line flags in library errors


def _invoke(server: LocalArxiv, *args: str):
    from tests.helpers import invoke

    return invoke("check", *args, env={"PROFSCOUT_ARXIV_URL": server.url,
                                       "PROFSCOUT_ARXIV_DELAY": "0"})


def test_every_professor_of_the_store_is_found_by_any_of_its_names(tmp_path):
    db = tmp_path / "s.db"
    conn = connect(db)
    with transaction(conn):
        add_professor(conn, "Wei Wang 0010", "Univ. of California - Los Angeles", areas=("mod",))
        add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
        add_professor(conn, "Wei Wang 0028", "Nanjing University", areas=("mod",))
        # CSRankings lists him at two places; the store keeps one
        add_professor(conn, "Vinay Namboodiri", "IIT Kanpur", aliases=("Vinay P. Namboodiri",))
    conn.close()
    with LocalArxiv(_corpus()) as server:
        several = _invoke(server, "Wei Wang", "--db", str(db))
        numbered = _invoke(server, "Wei Wang 0028", "--json", "--db", str(db))
        ucla = _invoke(server, "Wei Wang", "--institution", "UCLA", "--json", "--db", str(db))
        bath = _invoke(server, "Vinay P. Namboodiri", "--institution", "University of Bath",
                       "--json", "--db", str(db))
        calls = len(server.requests)
        server.script = ["html"] * 5  # the network is down: the store must answer
        again = _invoke(server, "Vinay P. Namboodiri", "--institution", "University of Bath",
                        "--json", "--db", str(db))
        assert len(server.requests) == calls
    assert several.exit_code == 2 and len(several.error_lines) == 1
    line = several.error_lines[0]
    assert "3 professors in the store match" in line
    assert "Wei Wang 0002 (Nanjing University)" in line and "Wei Wang 0028 (Nanjing" in line
    assert numbered.json()["in_store"] and numbered.json()["institution"] == "Nanjing University"
    assert ucla.json()["in_store"]
    assert ucla.json()["institution"] == "Univ. of California - Los Angeles"
    assert bath.json()["in_store"] and bath.json()["institution"] == "IIT Kanpur"
    assert again.json()["source"] == "cache"


def test_confirmed_and_uncertain_counts_and_the_leads_with_reasons(tmp_path):
    db = tmp_path / "s.db"
    conn = connect(db)
    with transaction(conn):
        add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
        add_professor(conn, "Wei Wang 0010", "Univ. of California - Los Angeles")
    conn.close()
    with LocalArxiv(_corpus()) as server:
        data = _invoke(server, "Wei Wang", "--institution", "nanjing", "--json", "--db",
                       str(db)).json()
        quiet = _invoke(server, "Wei Wang", "--institution", "nanjing", "--db", str(db))
        shown = _invoke(server, "Wei Wang", "--institution", "nanjing", "--show-leads",
                        "--db", str(db))
    # the q-bio papers fit the area, which every Wei Wang in biology shares: leads only
    assert data["confirmed"] == 0 and data["papers"] == []
    assert sorted(p["arxiv_id"] for p in data["unconfirmed_leads"]) == \
        [f"2604.{i:05d}" for i in range(4)]
    assert data["uncertain"] == 4 + data["rejected_matches"]
    assert data["uncertain"] == 7  # the vision papers have nothing at all: dropped
    assert "papers: 0 confirmed, 4 uncertain" in quiet.stdout  # the store keeps the leads
    assert "--show-leads lists them" in quiet.stdout and "arXiv:2604.00000" not in quiet.stdout
    assert "arXiv:2604.00000" in shown.stdout and "why: " in shown.stdout
    assert "categories fit areas" in shown.stdout
