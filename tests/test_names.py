"""Name folding, parsing, query forms, matching and ambiguity decisions (pure functions)."""

from __future__ import annotations

import pytest

from profscout.core.names import (
    FULL,
    INITIAL,
    LEAD,
    ONE_EDIT_HOW,
    SPLIT,
    SPLIT_HOW,
    PersonEvidence,
    ambiguity_reasons,
    attribute,
    author_key,
    common_name_pattern,
    display_name,
    fold,
    match_author,
    parse_name,
    query_forms,
    validate_person_name,
)


@pytest.mark.parametrize(("raw", "clean"), [
    ("Wei Wang 0001", "Wei Wang"),
    ("Jane Doe [SP]", "Jane Doe"),
    ("  Aaron   C. Courville ", "Aaron C. Courville"),
    ("Anna 0001 Smith", "Anna 0001 Smith"),  # only a trailing DBLP number is dropped
])
def test_display_name_drops_dblp_numbers_and_tags(raw, clean):
    assert display_name(raw) == clean


def test_fold_removes_case_accents_and_punctuation():
    assert fold("José  GARCÍA-López") == "jose garcia lopez"
    assert fold("Søren Łukasz Straße") == "soren lukasz strasse"
    assert fold("O'Brien, Jr.") == "o brien jr"


@pytest.mark.parametrize(("name", "given", "surname"), [
    ("Aaron C. Courville", (("aaron",), ("c",)), ("courville",)),
    ("Doe, Jane", (("jane",),), ("doe",)),
    ("Ludwig van Beethoven", (("ludwig",),), ("beethoven",)),
    ("Jane Doe-Smith", (("jane",),), ("doe", "smith")),
    ("Jun-Yan Zhu", (("jun", "yan"),), ("zhu",)),
    ("John Smith Jr.", (("john",),), ("smith",)),
])
def test_parse_name(name, given, surname):
    parsed = parse_name(name)
    assert (parsed.given, parsed.surname) == (given, surname)


def test_query_forms_drop_initials_and_numbers_and_keep_long_names():
    assert query_forms(["Aaron C. Courville", "Aaron Courville"]) == ["aaron courville"]
    assert query_forms(["Wei Wang 0010"]) == ["wei wang"]
    assert query_forms(["A. Aldo Faisal"]) == ["aldo faisal"]
    assert query_forms(["María García López"]) == ["maria lopez", "maria garcia lopez"]
    assert query_forms(['Jane "Doe" (AND)']) == ["jane and", "jane doe and"]  # no quotes
    for form in query_forms(['x) OR au:"y', "Zoë O'Neil-Ng"]):
        assert set(form) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")


@pytest.mark.parametrize(("author", "aliases", "score"), [
    ("Aaron Courville", ["Aaron C. Courville"], FULL),
    ("AARON C COURVILLE", ["Aaron C. Courville"], FULL),
    ("A. Courville", ["Aaron C. Courville"], INITIAL),
    ("Aldo Faisal", ["A. Aldo Faisal"], FULL),
    ("Junyan Zhu", ["Jun-Yan Zhu"], SPLIT),  # another written name: evidence joins them
    ("Jun Yan Zhu", ["Jun-Yan Zhu"], FULL),
    ("J.-Y. Zhu", ["Jun-Yan Zhu"], INITIAL),
    ("Jose Garcia", ["José García"], FULL),
    ("Jane Doe-Smith", ["Jane Doe Smith"], FULL),
    ("Jane Doe", ["Jane Doe-Smith"], 0.6),
    ("Wang Wei", ["Wei Wang 0001"], 0.6),
    ("Wei Jie Wang", ["Wei Wang"], 0.85),
    ("Aaron D. Courville", ["Aaron C. Courville"], None),  # middle names disagree
    ("Bob Smith", ["Jane Smith"], None),
    ("Jane Smithson", ["Jane Smith"], None),
])
def test_match_author(author, aliases, score):
    match = match_author(author, aliases)
    assert (match.score if match else None) == score


def test_every_alias_is_used():
    match = match_author("A. Akbariazirani", ["A. Akbari Azirani", "A. Akbariazirani"])
    assert match is not None and match.alias == "A. Akbariazirani"


@pytest.mark.parametrize("bad", ["", "   ", "W", "J.", "Madonna", "[SP]", "Jane D."])
def test_validate_person_name_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        validate_person_name(bad)


def test_validate_person_name_accepts_real_names():
    assert validate_person_name("Wei Wang 0001") == "Wei Wang"
    assert validate_person_name("Zoë Kravitz-Ng") == "Zoë Kravitz-Ng"


def test_ambiguity():
    assert common_name_pattern("Wei Wang") and common_name_pattern("Yang Liu 0005")
    assert not common_name_pattern("Jiajun Wu") and not common_name_pattern("Sergey Levine")
    assert ambiguity_reasons(["Sergey Levine"], 0, 40.0) == []
    reasons = ambiguity_reasons(["Sergey Levine"], 2, 300.0)
    assert reasons == ["2 other professors with this name", "300 papers a year under this name"]
    assert ambiguity_reasons(["Wei Wang"]) == ["very common name"]


def test_ambiguous_names_need_evidence():
    match = match_author("Wei Wang", ["Wei Wang"])
    assert match is not None
    plain = attribute(match, ambiguous=[], categories=["cs.DB"], coauthors=[], affiliations=[],
                      evidence=PersonEvidence())
    assert plain.keep and plain.confidence == 1.0
    evidence = PersonEvidence(area_categories=frozenset({"cs.CV"}),
                              institution="Univ. of California - Los Angeles",
                              colleagues=frozenset({author_key("Yizhou Sun")}))
    evidence.with_confirmed(["cs.DB"], ["Carlo Zaniolo", "Hao Li"])
    why = ["very common name"]

    def decide(cats, coauthors=(), affiliations=(), frequent=False):
        return attribute(match, ambiguous=why, categories=cats, coauthors=list(coauthors),
                         affiliations=list(affiliations), evidence=evidence, frequent=frequent)

    assert not decide(["q-bio.GN"]).keep
    assert "no corroborating evidence" in decide(["q-bio.GN"]).evidence
    # categories fit every namesake in the field: a lead, never counted
    by_area = decide(["cs.CV"])
    assert by_area.keep and by_area.confidence == LEAD and "fit areas" in by_area.evidence
    assert "nothing about the person" in by_area.evidence
    assert decide(["cs.CV"], frequent=True).confidence == LEAD
    assert decide(["cs.DB"]).confidence == LEAD  # categories of confirmed papers
    assert decide(["q-bio.GN"], ["C. Zaniolo"]).keep is False  # initials only: not the same
    assert decide(["q-bio.GN"], ["Carlo Zaniolo"]).confidence == 0.95
    assert not decide(["q-bio.GN"], ["Hao Li"]).keep  # a common co-author name proves nothing
    assert decide(["q-bio.GN"], ["Yizhou Sun"]).confidence == 0.95  # a colleague
    ucla = decide(["q-bio.GN"], affiliations=["University of California, Los Angeles"])
    assert ucla.keep and "affiliation" in ucla.evidence


def test_namesakes_share_a_paper_only_with_personal_evidence() -> None:
    from profscout.core.names import DISPUTED, Claim, share_between_namesakes

    field_only = [Claim(1, 0.75, "name full; categories fit areas (cs.RO)"),
                  Claim(2, 0.75, "name full; categories fit areas (cs.RO)")]
    shared = share_between_namesakes(field_only)
    assert {pid: conf for pid, (conf, _) in shared.items()} == {1: 0.375, 2: 0.375}
    assert all("nothing tells them apart" in why for _, why in shared.values())

    proven = [Claim(1, 0.95, "name full; co-author from the same institution: a b"),
              Claim(2, 0.75, "name full; categories fit areas (cs.RO)")]
    settled = share_between_namesakes(proven)
    assert set(settled) == {2} and settled[2][0] == DISPUTED

    # settled claims are left alone, and a lone claim is nobody's rival
    again = [Claim(1, 0.375, shared[1][1]), Claim(2, 0.375, shared[2][1])]
    assert share_between_namesakes(again) == {}
    assert share_between_namesakes(field_only[:1]) == {}


@pytest.mark.parametrize(("author", "alias", "how"), [
    ("Guo-Wei Yang", "Guowei Yang", SPLIT_HOW),  # hyphenated vs one word: two names
    ("Guo Wei Yang", "Guowei Yang", SPLIT_HOW),  # split in two words
    ("Jipeng Qiang", "Ji-Peng Qiang", SPLIT_HOW),
    ("Ji-Peng Qiang", "Ji-Peng Qiang", "full name"),
    ("Ji Peng Qiang", "Ji-Peng Qiang", "full name"),  # same parts, only the hyphen differs
])
def test_given_names_split_differently_are_different_names(author, alias, how):
    match = match_author(author, [alias])
    assert match is not None and match.how == how
    if how == SPLIT_HOW:
        assert match.score == SPLIT


def test_one_letter_misspellings_only_when_asked_and_never_for_short_words():
    assert match_author("Vinay Namboodri", ["Vinay P. Namboodiri"]) is None
    typo = match_author("Vinay Namboodri", ["Vinay P. Namboodiri"], one_edit=True)
    assert typo is not None and typo.how == ONE_EDIT_HOW
    assert match_author("Viany Namboodiri", ["Vinay Namboodiri"], one_edit=True) is not None
    assert match_author("Wei Wong", ["Wei Wang"], one_edit=True) is None  # short surname
    assert match_author("Vinay Namboodxyz", ["Vinay Namboodiri"], one_edit=True) is None


def test_a_listed_title_confirms_and_written_name_differences_need_evidence():
    evidence = PersonEvidence()
    evidence.with_confirmed(["cs.SE"], ["Imelda Quorwick"])

    def decide(author, alias, *, ambiguous=(), listed="", coauthors=()):
        match = match_author(author, [alias], one_edit=True)
        assert match is not None
        return attribute(match, ambiguous=list(ambiguous), categories=["cs.SE"],
                         coauthors=list(coauthors), affiliations=[], evidence=evidence,
                         listed=listed)

    listed = decide("Wei Wang", "Wei Wang", ambiguous=["very common name"],
                    listed="title listed")
    assert listed.keep and listed.confidence >= 0.95 and "publication list" in listed.evidence
    other = decide("Guo-Wei Yang", "Guowei Yang")  # distinctive, but another written name
    assert other.confidence < 0.5 and "split differently" in other.evidence
    joined = decide("Guo-Wei Yang", "Guowei Yang", coauthors=["Imelda Quorwick"])
    assert joined.keep and joined.confidence >= 0.5
    assert decide("Vinay Namboodri", "Vinay Namboodiri", listed="arXiv id listed").keep
    assert decide("Vinay Namboodri", "Vinay Namboodiri").confidence < 0.5


def test_a_joined_alias_beside_a_split_one_is_another_written_name():
    """"Quanwei Oduya" beside "Quan-Wei Oduya": the person writes the split form; an author
    written joined needs evidence, whichever alias the store holds first."""
    from profscout.core.names import SPLIT_HOW, joined_twins

    aliases = ["Quanwei Oduya", "Quan-Wei Oduya"]
    assert joined_twins(aliases) == {"Quanwei Oduya"}
    assert joined_twins(["Quanwei Oduya"]) == set()
    joined = match_author("Quanwei Oduya", aliases)
    assert joined is not None and joined.how == SPLIT_HOW
    split = match_author("Quan-Wei Oduya", aliases)
    assert split is not None and split.score == 1.0
    initial = match_author("Q. Oduya", aliases)
    assert initial is not None and initial.how == "initial"
    alone = match_author("Quanwei Oduya", ["Quanwei Oduya"])
    assert alone is not None and alone.score == 1.0


def test_second_hand_co_authors_make_a_lead_however_many() -> None:
    """An ambiguous name: co-authors of a paper confirmed only through co-authors are
    second-hand; they keep a paper as a lead with its reasons, never count it, while one
    first-hand co-author (from a listed paper) or a colleague does."""
    match = match_author("Jun Li", ["Jun Li"])
    assert match is not None
    evidence = PersonEvidence(colleagues=frozenset({author_key("Petra Ulvenhout")}))
    evidence.with_field(["cs.CL"], ["Marit Ossendrup"])
    evidence.with_confirmed(["cs.CL"], ["Marit Ossendrup"])
    evidence.with_linked(["cs.CL"], ["Koen Tjaberings", "Liesel Vanderkamp", "Ode Brammert"])

    def decide(*coauthors: str, categories: tuple[str, ...] = ("q-bio.NC",)):
        return attribute(match, ambiguous=["very common name"], categories=list(categories),
                         coauthors=list(coauthors), affiliations=[], evidence=evidence)

    three = decide("Koen Tjaberings", "Liesel Vanderkamp", "Ode Brammert")
    assert three.keep and three.confidence == LEAD
    assert "second-hand co-authors only (koen tjaberings, liesel vanderkamp, ode brammert)" \
        in three.evidence
    assert "nothing about the person" not in three.evidence
    assert decide("Koen Tjaberings").confidence == LEAD
    assert decide("Marit Ossendrup", "Koen Tjaberings").confidence == 0.95  # first-hand
    assert decide("Petra Ulvenhout", "Koen Tjaberings").confidence == 0.95  # a colleague
    assert not decide("Anna Nobody").keep
