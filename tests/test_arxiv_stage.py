"""The arxiv stage on a real SQLite store against a local arXiv API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from rich.console import Console

from crawler.arxiv_stage import ANNOUNCEMENT_LAG, run
from crawler.stages import StageContext
from profscout.core.activity import MIN_CONFIDENCE, compute_activity
from profscout.core.config import Settings
from profscout.core.store import connect, transaction
from profscout.core.store.papers import counted_published
from tests.local_arxiv import Entry, LocalArxiv, add_professor

TODAY = datetime.now(UTC).date()


def _day(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


CORPUS = [
    Entry("2601.00001", "Paper A", ["Ada Lovelace", "Grace Hopper"], _day(10), ["cs.LG"]),
    Entry("2601.00002", "Paper B", ["Ada K. Lovelace"], _day(100), ["cs.LG"]),
    Entry("2601.00003", "Paper C", ["Grace Hopper"], _day(200), ["cs.PL"]),
    Entry("2601.00004", "Old", ["Grace Hopper"], _day(900), ["cs.PL"]),
    Entry("2601.00005", "Other Ada", ["Ada Lovelace-Byron"], _day(50), ["cs.CR"]),
]


def _ctx(conn, server, ids, **options):
    return StageContext(conn, Settings(arxiv_url=server.url, arxiv_delay=0.0),
                        Console(quiet=True), ids, {"months": 24, **options},
                        show_progress=False)


def test_stage_fills_papers_authorships_and_sync(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ada = add_professor(conn, "Ada Lovelace", "Analytical U", aliases=("Ada K. Lovelace",))
        grace = add_professor(conn, "Grace B. Hopper 0001", "Navy U", aliases=("Grace Hopper",))
        nobody = add_professor(conn, "Zyx Qwvut", "Nowhere U")
    with LocalArxiv(CORPUS) as server:
        report = run(_ctx(conn, server, [ada, grace, nobody])).to_dict()
        assert report["arxiv_calls"] == len(server.requests) == 1  # one batch for three
        rows = conn.execute("SELECT professor_id, arxiv_id FROM authorships "
                            "ORDER BY 1, 2").fetchall()
        assert [tuple(r) for r in rows] == [(ada, "2601.00001"), (ada, "2601.00002"),
                                            (ada, "2601.00005"), (grace, "2601.00001"),
                                            (grace, "2601.00003")]
        assert report["papers_found"] == 4 and report["professors_with_papers"] == 2
        status = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
        assert status == {ada: "ok", grace: "ok", nobody: "no_papers"}
        act = compute_activity(counted_published(conn, grace, MIN_CONFIDENCE), TODAY)
        assert (act.papers_6m, act.papers_12m, act.latest) == (1, 2, date.fromisoformat(_day(10)))
        low = conn.execute("SELECT confidence FROM authorships WHERE arxiv_id = '2601.00005'")
        assert low.fetchone()[0] == 0.6  # "Lovelace-Byron" is only part of the surname

        # incremental: asked again only from a week before the newest stored paper on
        assert run(_ctx(conn, server, [ada, grace, nobody])).to_dict()["arxiv_calls"] == 0
        tomorrow = TODAY + timedelta(days=1)  # answered today: asked again from tomorrow on
        again = run(_ctx(conn, server, [ada, grace, nobody], today=tomorrow)).to_dict()
        query = server.requests[-1][1]["search_query"]
        assert again["incremental"] == 3
        assert f"submittedDate:[{_day(10 + ANNOUNCEMENT_LAG.days).replace('-', '')}0000" \
            in query


def test_a_paper_announced_after_the_last_crawl_is_found_though_submitted_before_it(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ada = add_professor(conn, "Ada Lovelace", "Analytical U")
    with LocalArxiv(CORPUS) as server:
        run(_ctx(conn, server, [ada]))
        # submitted two days before the newest stored paper, announced only now (a hold)
        late = Entry("2601.00009", "Held Paper", ["Ada Lovelace"], _day(12), ["cs.LG"])
        server.add(late)
        run(_ctx(conn, server, [ada], today=TODAY + timedelta(days=1)))
        rows = conn.execute("SELECT arxiv_id FROM authorships WHERE professor_id = ?", (ada,))
        assert "2601.00009" in {r[0] for r in rows}


def test_a_failing_batch_is_recorded_and_asked_again_next_time(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        ada = add_professor(conn, "Ada Lovelace", "Analytical U")
        grace = add_professor(conn, "Grace Hopper", "Navy U")
    with LocalArxiv(CORPUS) as server:
        server.script = [None, "html"]  # the second batch gets a maintenance page
        report = run(_ctx(conn, server, [ada, grace], arxiv_max_names=1,
                          keep_going=True)).to_dict()
        assert report["batches"] == 2 and report["professors_failed"] == 1
        assert "HTML page" in report["errors"][0]
        status = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
        assert sorted(status.values()) == ["error", "ok"]  # the first batch was kept
        run(_ctx(conn, server, [ada, grace], arxiv_max_names=1))
        status = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
        assert status == {ada: "ok", grace: "ok"}


def test_namesakes_share_a_query_and_need_evidence(tmp_path):
    conn = connect(tmp_path / "s.db")
    corpus = [Entry("2602.00001", "Genomes", ["Wei Wang", "Ann Bio"], _day(5), ["q-bio.GN"]),
              Entry("2602.00002", "Pixels", ["Wei Wang", "Ann Cv"], _day(6), ["cs.CV"]),
              Entry("2602.00003", "Tables", ["Wei Wang", "Bea Colleague"], _day(7), ["cs.DB"])]
    with transaction(conn):
        bio = add_professor(conn, "Wei Wang 0002", "Nanjing University", areas=("bio",))
        cv = add_professor(conn, "Wei Wang 0010", "UCLA", areas=("vision",))
        add_professor(conn, "Bea Colleague", "UCLA")
    with LocalArxiv(corpus) as server:
        report = run(_ctx(conn, server, [bio, cv])).to_dict()
    rows = conn.execute("SELECT professor_id, arxiv_id, evidence FROM authorships "
                        "ORDER BY 1, 2").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(bio, "2602.00001"), (cv, "2602.00002"),
                                            (cv, "2602.00003")]
    assert "same institution: bea colleague" in rows[2]["evidence"]
    assert report["ambiguous"] == 2 and report["arxiv_calls"] == 1


def test_namesakes_in_the_store_do_not_share_a_paper_without_personal_evidence(tmp_path):
    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        east = add_professor(conn, "Xiao Wang 0001", "East U", areas=("robotics",))
        west = add_professor(conn, "Xiao Wang 0002", "West U", areas=("robotics",))
        colleague = add_professor(conn, "Imelda Quorwick", "West U", areas=("robotics",))
    corpus = [
        # fits both namesakes' field, and nothing else tells them apart
        Entry("2601.00011", "Grasping", ["Xiao Wang", "Ann Other"], _day(20), ["cs.RO"]),
        # a West U colleague co-authored it: West's paper
        Entry("2601.00012", "Pushing", ["Xiao Wang", "Imelda Quorwick"], _day(30), ["cs.RO"]),
    ]
    with LocalArxiv(corpus) as server:
        run(_ctx(conn, server, [east, west, colleague]))
        conf = {(r["professor_id"], r["arxiv_id"]): r["confidence"] for r in conn.execute(
            "SELECT professor_id, arxiv_id, confidence FROM authorships")}
        assert conf[(east, "2601.00011")] < 0.5 and conf[(west, "2601.00011")] < 0.5
        assert conf[(west, "2601.00012")] >= 0.9
        assert conf.get((east, "2601.00012"), 0.0) <= 0.3
        counted = {pid: compute_activity(counted_published(conn, pid, MIN_CONFIDENCE),
                                         TODAY).papers_12m for pid in (east, west)}
        assert counted[east] == 0 and counted[west] == 1
        status = dict(conn.execute("SELECT professor_id, status FROM arxiv_sync").fetchall())
        assert status[east] == "unconfirmed" and status[west] == "ok"
        # running again (the newest paper is asked for again) divides nothing twice
        claims = "SELECT professor_id, arxiv_id, confidence FROM authorships ORDER BY 1, 2"
        before = [tuple(r) for r in conn.execute(claims)]
        run(_ctx(conn, server, [east, west, colleague]))
        assert [tuple(r) for r in conn.execute(claims)] == before


def test_own_publication_list_decides_between_namesakes_and_written_names(tmp_path):
    from profscout.core.store.publications import save_listed_publications

    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        east = add_professor(conn, "Xiao Wang 0001", "East U", areas=("robotics",))
        west = add_professor(conn, "Xiao Wang 0002", "West U", areas=("robotics",))
        guowei = add_professor(conn, "Guowei Yang", "North U", areas=("robotics",))
        save_listed_publications(conn, west, "http://west/pubs",
                                 ["Learning to Push Boxes with Few Demonstrations"], [])
    corpus = [
        # both namesakes' field; West lists it on their own page
        Entry("2601.00021", "Learning to push boxes with few demonstrations",
              ["Xiao Wang", "Ann Other"], _day(20), ["cs.RO"]),
        # the field of both, nothing else: nobody's
        Entry("2601.00022", "Grasping in Clutter", ["Xiao Wang", "Bo Third"], _day(25), ["cs.RO"]),
        # a co-author of West's listed paper: West's
        Entry("2601.00023", "Pushing Further", ["Xiao Wang", "Ann Other"], _day(30), ["cs.RO"]),
        # another written name than "Guowei", with nothing about the person: not counted
        Entry("2601.00024", "Robot Dogs", ["Guo-Wei Yang", "Cy Fourth"], _day(35), ["cs.RO"]),
    ]
    with LocalArxiv(corpus) as server:
        report = run(_ctx(conn, server, [east, west, guowei])).to_dict()
    assert report["arxiv_calls"] == 1  # the evidence costs no call
    conf = {(r["professor_id"], r["arxiv_id"]): (r["confidence"], r["evidence"])
            for r in conn.execute("SELECT professor_id, arxiv_id, confidence, evidence "
                                  "FROM authorships")}
    assert conf[(west, "2601.00021")][0] >= 0.95
    assert "own publication list" in conf[(west, "2601.00021")][1]
    assert conf.get((east, "2601.00021"), (0.0, ""))[0] < MIN_CONFIDENCE
    assert conf[(west, "2601.00023")][0] >= 0.9  # seeded by the listed paper's co-author
    assert all(conf.get((p, "2601.00022"), (0.0, ""))[0] < MIN_CONFIDENCE for p in (east, west))
    assert conf.get((guowei, "2601.00024"), (0.0, ""))[0] < MIN_CONFIDENCE


def test_a_distinctive_name_in_another_discipline_is_a_lead():
    from crawler.arxiv_client import Paper
    from crawler.arxiv_stage import Person, attribute_papers
    from profscout.core.titles import ListedTitles

    def paper(n: int, title: str, primary: str, coauthor: str) -> Paper:
        when = datetime(2026, 1, n, tzinfo=UTC)
        return Paper(f"2601.{n:05d}", title, "", ("Imelda Quorwick", coauthor), ((), ()),
                     (primary,), primary, when, when)

    mine = [paper(i, f"Robust Model Fitting Part {i} of Many", "cs.CV", f"Stu Dent{i}")
            for i in range(1, 4)]
    other = paper(9, "Turbulent Flows in Pipes", "physics.flu-dyn", "Flo Wing")
    student = paper(10, "Fitting Flows to Data", "physics.flu-dyn", "Stu Dent1")
    person = Person("Imelda Quorwick", ["Imelda Quorwick"],
                    listed=ListedTitles([p.title for p in mine]))
    result = attribute_papers([person], [*mine, other, student], 700)[0]
    conf = {f.paper.arxiv_id: f.attribution for f in result.kept}
    assert all(conf[p.arxiv_id].confidence >= 0.95 for p in mine)
    assert conf[other.arxiv_id].confidence < MIN_CONFIDENCE
    assert "outside the person's field" in conf[other.arxiv_id].evidence
    assert conf[student.arxiv_id].confidence == 1.0  # a co-author of a listed paper


def test_a_chain_of_co_authors_does_not_walk_into_a_namesakes_group():
    """A common name: a co-author learned from a paper that was itself confirmed only
    through a co-author is second-hand; however many a paper shares, it is a lead."""
    from crawler.arxiv_client import Paper
    from crawler.arxiv_stage import Person, attribute_papers
    from profscout.core.titles import ListedTitles

    def paper(n: int, title: str, *coauthors: str) -> Paper:
        when = datetime(2026, 2, n, tzinfo=UTC)
        authors = ("Wei Li", *coauthors)
        return Paper(f"2602.{n:05d}", title, "", authors, tuple(() for _ in authors),
                     ("cs.LG",), "cs.LG", when, when)

    listed = paper(1, "Sparse Priors for Tiny Graphs", "Orla Quennell")
    bridge = paper(2, "A Large Benchmark of Everything", "Orla Quennell", "Bertram Vaszary")
    namesakes = paper(3, "Satellite Crop Maps at Scale", "Bertram Vaszary", "Ilse Droupe")
    group = paper(4, "Crop Yield From Orbit", "Ilse Droupe", "Tamsin Ockwell")
    two_links = paper(5, "Benchmarks That Last Longer", "Bertram Vaszary", "Hedda Pruszko")
    bridge2 = paper(6, "Another Benchmark of Something", "Orla Quennell", "Hedda Pruszko")
    person = Person("Wei Li", ["Wei Li"], listed=ListedTitles([listed.title]))
    result = attribute_papers([person], [listed, bridge, namesakes, group, two_links, bridge2],
                              700)[0]
    conf = {f.paper.arxiv_id: f.attribution for f in result.kept}
    assert conf[listed.arxiv_id].confidence >= 0.95
    assert conf[bridge.arxiv_id].confidence >= 0.9  # shares a co-author of a listed paper
    assert bridge.arxiv_id in conf and bridge2.arxiv_id in conf
    assert namesakes.arxiv_id not in conf or conf[namesakes.arxiv_id].confidence < MIN_CONFIDENCE
    assert group.arxiv_id not in conf or conf[group.arxiv_id].confidence < MIN_CONFIDENCE
    # two second-hand co-authors: still a lead, with its reasons
    assert conf[two_links.arxiv_id].confidence < MIN_CONFIDENCE
    assert "second-hand co-authors only (bertram vaszary, hedda pruszko)" \
        in conf[two_links.arxiv_id].evidence
    assert "second-hand" in conf[namesakes.arxiv_id].evidence


def test_co_authors_of_a_namesakes_papers_in_another_discipline_make_leads():
    """A distinctive name: papers in another arXiv archive are a namesake's leads, and a
    paper in the person's field that shares co-authors only with those goes with them."""
    from crawler.arxiv_client import Paper
    from crawler.arxiv_stage import Person, attribute_papers
    from profscout.core.titles import ListedTitles

    def paper(n: int, title: str, primary: str, *coauthors: str) -> Paper:
        when = datetime(2026, 3, n, tzinfo=UTC)
        authors = ("Imelda Quorwick", *coauthors)
        categories = (primary, "cs.LG") if primary == "cs.CV" else (primary,)
        return Paper(f"2603.{n:05d}", title, "", authors, tuple(() for _ in authors),
                     categories, primary, when, when)

    mine = [paper(i, f"Robust Model Fitting Part {i} of Many", "cs.CV", f"Stu Dent{i}")
            for i in range(1, 4)]  # the person's field: cs.CV, cs.LG
    physics = paper(9, "Reservoirs for Turbulent Flows", "physics.flu-dyn", "Flo Wing")
    physics_ml = paper(10, "Learning Reservoirs Online", "cs.LG", "Flo Wing")
    topic = paper(11, "Private Audits of Models", "cs.CR", "Cy Pher")
    topic_ml = paper(12, "Auditing Models Privately at Scale", "cs.LG", "Cy Pher")
    student = paper(13, "Fitting Models With Flo", "cs.LG", "Flo Wing", "Stu Dent2")
    person = Person("Imelda Quorwick", ["Imelda Quorwick"],
                    listed=ListedTitles([p.title for p in mine]))
    result = attribute_papers([person], [*mine, physics, physics_ml, topic, topic_ml, student],
                              700)[0]
    conf = {f.paper.arxiv_id: f.attribution for f in result.kept}
    assert conf[physics.arxiv_id].confidence < MIN_CONFIDENCE
    assert conf[physics_ml.arxiv_id].confidence < MIN_CONFIDENCE
    assert "namesake's group" in conf[physics_ml.arxiv_id].evidence
    # another topic of the person's own discipline says nothing about a namesake
    assert conf[topic_ml.arxiv_id].confidence == 1.0
    assert conf[student.arxiv_id].confidence == 1.0  # a co-author of a listed paper too


def test_stored_papers_confirmed_through_co_authors_seed_second_hand_evidence(tmp_path):
    """A later crawl reads stored authorships: a listed or plain-name paper's co-authors are
    first-hand, those of a paper confirmed through co-authors stay second-hand."""
    from crawler.arxiv_stage import load_people
    from profscout.core.store.papers import PaperRecord, save_authorship, save_paper
    from tests.helpers import add_professor

    conn = connect(tmp_path / "s.db")
    with transaction(conn):
        pid = add_professor(conn, "Wei Li", "Uni of Somewhere")
        for arxiv_id, coauthor, evidence in (
                ("2601.00001", "Orla Quennell",
                 "name full name (Wei Li); title listed on the person's own publication list"),
                ("2601.00002", "Bertram Vaszary",
                 "name full name (Wei Li); ambiguous name: very common name; "
                 "co-authors of confirmed papers: orla quennell")):
            save_paper(conn, PaperRecord(arxiv_id, "T", "", ["Wei Li", coauthor], ["cs.LG"],
                                         "cs.LG", "2026-01-01", None))
            save_authorship(conn, pid, arxiv_id, "Wei Li", 0.95, evidence)
    person = load_people(conn, [pid], date(2025, 1, 1))[0]
    assert person.evidence.confirmed_coauthors == {"orla quennell"}
    assert person.evidence.linked_coauthors == {"bertram vaszary"}
    assert person.evidence.confirmed_categories == {"cs.LG"}
