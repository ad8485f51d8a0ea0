"""A professor's own publication list: titles and arXiv ids read from a page, matched to
papers (pure functions), and kept in the store per professor."""

from __future__ import annotations

from crawler.publications import extract_from_pages, extract_publications
from profscout.core.store import connect, transaction
from profscout.core.store.publications import listed_publications, save_listed_publications
from profscout.core.titles import ListedTitles
from tests.helpers import add_professor

PAGE = """<html><head><title>Jane Doe</title><script>var t = "Not A Title At All Here";</script>
</head><body><nav><a href="/">Home page of the lab and more</a></nav>
<h2>Publications</h2>
<ul>
 <li><b>Learning to Grasp Transparent Objects from Few Views</b><br>
     J. Doe, A. Smith. CoRL 2025. <a href="https://arxiv.org/abs/2506.01234v2">arXiv</a></li>
 <li>A. Smith, J. Doe. "Self-Supervised Depth for Robot Arms". ICRA 2025.</li>
 <li>J. Doe. Planning with Language Models in Kitchens. In Proc. RSS, 2024. arXiv:2405.00077</li>
 <li>Intro</li>
</ul></body></html>"""


def test_titles_and_arxiv_ids_are_read_from_a_publication_page():
    listed = extract_publications(PAGE)
    assert listed.arxiv_ids == ["2506.01234", "2405.00077"]
    assert "Learning to Grasp Transparent Objects from Few Views" in listed.titles
    assert "Self-Supervised Depth for Robot Arms" in listed.titles  # quoted in a reference
    assert "Planning with Language Models in Kitchens" in listed.titles  # one sentence of it
    assert not any("Not A Title" in t for t in listed.titles)  # scripts are not text
    assert not any(t.startswith("Home page") for t in listed.titles)  # navigation is not
    assert "Intro" not in listed.titles  # too short to be told apart
    assert extract_publications(b"\xff\xfe not html").titles == []
    both = extract_from_pages([PAGE, '<p><a href="http://arxiv.org/pdf/2501.00001">pdf</a></p>'])
    assert both.arxiv_ids == ["2506.01234", "2405.00077", "2501.00001"]


def test_a_paper_is_named_by_its_title_or_its_arxiv_id():
    listed = extract_publications(PAGE)
    titles = ListedTitles(listed.titles, listed.arxiv_ids)
    assert titles.names("2506.01234v3", "Anything") == "arXiv id listed"
    assert titles.names("2509.99999", "Learning to grasp transparent objects from few views!") \
        == "title listed"  # case and punctuation folded
    assert titles.names("2509.99999", "Learning to Grasp Transparent Object from Few Views") \
        == "title listed"  # one letter off
    assert titles.names("2509.99999", "Self-Supervised Depth for Robot Arms") == "title listed"
    assert titles.names("2509.99999", "Learning to Walk on Ice from Few Views") == ""
    assert titles.names("2509.99999", "Intro") == ""  # short titles are never matched
    assert not ListedTitles() and len(titles) == len(set(t.lower() for t in listed.titles))


def test_listed_publications_are_kept_per_professor_and_page(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        jane = add_professor(conn, "Jane Doe", "MIT")
        other = add_professor(conn, "John Roe", "MIT")
        save_listed_publications(conn, jane, "http://a/pubs", ["Title One Two Three"],
                                 ["2501.00001"])
        save_listed_publications(conn, jane, "http://a/index", ["Title Four Five Six"], [])
    with transaction(conn):  # a page crawled again replaces what it listed
        assert save_listed_publications(conn, jane, "http://a/pubs", ["Title Seven Eight Nine"],
                                        []) == 1
    assert listed_publications(conn, jane) == (["Title Four Five Six",
                                                "Title Seven Eight Nine"], [])
    assert listed_publications(conn, other) == ([], [])


def test_store_reads_for_check_and_exports(tmp_path):
    from profscout.core.store.papers import (
        PaperRecord,
        attribution_counts,
        professor_directory,
        professor_ids_by_alias,
        save_authorship,
        save_paper,
    )

    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        a = add_professor(conn, "Wei Wang 0002", "Nanjing University")
        b = add_professor(conn, "Wei Wang 0028", "Nanjing University", aliases=("W. Wang 0028",))
        for n, (pid, confidence) in enumerate([(a, 0.95), (a, 0.45), (a, 0.3), (b, 1.0)]):
            save_paper(conn, PaperRecord(f"2601.0000{n}", "T", "", ["Wei Wang"], ["cs.DB"],
                                         "cs.DB", f"2026-01-0{n + 1}"))
            save_authorship(conn, pid, f"2601.0000{n}", "Wei Wang", confidence, "")
    assert professor_ids_by_alias(conn, "Wei Wang 0028") == [b]
    assert professor_ids_by_alias(conn, "W. Wang 0028") == [b]
    assert professor_ids_by_alias(conn, "Wei Wang") == []
    keys = {(e.professor_id, e.key) for e in professor_directory(conn)}
    assert keys == {(a, "Wei Wang 0002"), (b, "Wei Wang 0028")}
    counts = attribution_counts(conn, [a, b, 999], 0.5)
    assert (counts[a].confirmed, counts[a].uncertain) == (1, 2)
    assert (counts[b].confirmed, counts[b].uncertain) == (1, 0)
    assert (counts[999].confirmed, counts[999].uncertain) == (0, 0)
    recent = attribution_counts(conn, [a], 0.5, since="2026-01-01")
    assert (recent[a].confirmed, recent[a].uncertain) == (0, 2)
