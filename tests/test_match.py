"""The TF-IDF matcher: scoring, aggregations, explanations, estimator conventions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from ranking.base import Document, Matcher, Profile
from ranking.match import AGGREGATIONS, TfidfMatcher, _segment_topk_mean
from ranking.matchers import MATCHERS, make_matcher

ROBOTICS = Profile("robotics", [
    Document("r1", "Deep reinforcement learning for robot manipulation and grasping.", 1.0),
    Document("r2", "Tactile sensing lets a robot hand grasp unknown objects.", 0.5),
    Document("r3", "A survey of robot manipulation benchmarks.", 0.25),
])
VISION = Profile("vision", [
    Document("v1", "Semantic image segmentation with convolutional networks.", 1.0),
    Document("v2", "Self-supervised pretraining of image features.", 1.0),
])
CRYPTO = Profile("crypto", [Document("c1", "Lattice based encryption protocols.", 1.0)],
                 interests="cryptography and privacy")
EMPTY = Profile("empty")
PROFILES = [ROBOTICS, VISION, CRYPTO, EMPTY]


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
def test_each_aggregation_puts_the_right_profile_first(aggregation):
    matcher = TfidfMatcher(aggregation=aggregation).fit(PROFILES)
    scores = matcher.score(["robot manipulation with reinforcement learning",
                            "image segmentation", "encryption from lattices"])
    assert scores.shape == (3, 4)
    assert list(scores.argmax(axis=1)) == [0, 1, 2]
    assert np.all(scores[:, 3] == 0)  # a profile without text never matches


def test_unknown_words_lower_the_score():
    matcher = TfidfMatcher().fit(PROFILES)
    known, diluted = matcher.score(["robot manipulation",
                                    "robot manipulation zyxwv qwertz blorft"])[:, 0]
    assert 0 < diluted < known
    assert matcher.known_terms("zyxwv blorft") == []
    assert "robot manipulation" in matcher.known_terms("robot manipulation zyxwv")


def test_segment_topk_mean_matches_brute_force():
    rng = np.random.default_rng(0)
    counts = np.array([0, 1, 4, 2, 7])
    indptr = np.concatenate([[0], np.cumsum(counts)])
    values = rng.random(indptr[-1])
    got = _segment_topk_mean(values, indptr, 3)
    want = [np.sort(values[indptr[p]:indptr[p + 1]])[::-1][:3].mean() if counts[p] else 0.0
            for p in range(len(counts))]
    np.testing.assert_allclose(got, want)


def test_max_and_mean_follow_their_definitions():
    query = "robot grasping"
    per_doc = [TfidfMatcher(aggregation="max").fit(PROFILES).document_scores(query)[0]]
    best = TfidfMatcher(aggregation="max").fit(PROFILES).score([query])[0, 0]
    assert best == pytest.approx(per_doc[0].max())
    mean = TfidfMatcher(aggregation="mean").fit(PROFILES)
    raw = mean.document_scores(query)[0] / np.array([1.0, 0.5, 0.25])
    weights = np.array([1.0, 0.5, 0.25])
    assert mean.score([query])[0, 0] == pytest.approx((raw * weights).sum() / weights.sum(),
                                                      rel=1e-5)


def test_recency_weight_scales_document_scores():
    matcher = TfidfMatcher().fit(PROFILES)
    docs = matcher.document_scores("robot manipulation")
    assert [len(d) for d in docs] == [3, 2, 2, 0]  # interests count as a document
    np.testing.assert_allclose(matcher.profile_document_scores("robot manipulation", 0), docs[0])


def test_shared_terms_explain_the_match():
    matcher = TfidfMatcher().fit(PROFILES)
    terms = matcher.shared_terms("deep reinforcement learning for robot manipulation", 0, n=5)
    assert terms and all(t in "deep reinforcement learning robot manipulation" for t in terms)
    assert "robot manipulation" in terms
    assert matcher.shared_terms("robot manipulation", 3) == []  # the empty profile
    assert matcher.shared_terms("image segmentation", 0) == []


def test_estimator_conventions():
    matcher = TfidfMatcher(aggregation="topk", top_k=2)
    assert isinstance(matcher, Matcher)
    assert clone(matcher).get_params()["top_k"] == 2
    with pytest.raises(Exception, match="not fitted"):
        matcher.score(["robot"])
    fitted = matcher.fit(PROFILES)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(again.score(["robot grasping"]), fitted.score(["robot grasping"]))
    with pytest.raises(ValueError, match="unknown aggregation"):
        TfidfMatcher(aggregation="median").fit(PROFILES)
    with pytest.raises(ValueError, match="nothing to index"):
        TfidfMatcher().fit([EMPTY])


def test_registry_makes_matchers_by_name():
    assert "tfidf" in MATCHERS
    matcher = make_matcher("tfidf", aggregation="max")
    assert matcher.name == "tfidf" and matcher.aggregation == "max"
    from profscout.core.errors import UserError
    with pytest.raises(UserError, match="unknown matcher 'nope'"):
        make_matcher("nope")


def test_matchers_keep_the_estimator_api_without_its_base_class():
    from ranking.base import NotFittedError
    from ranking.semantic import HybridMatcher

    matcher = TfidfMatcher(aggregation="topk", top_k=4)
    assert repr(matcher) == "TfidfMatcher(aggregation='topk', top_k=4)"
    assert matcher.set_params(top_k=2) is matcher and matcher.top_k == 2
    with pytest.raises(ValueError, match="invalid parameter 'k'"):
        matcher.set_params(k=1)
    hybrid = HybridMatcher(lexical=TfidfMatcher(top_k=7))
    params = hybrid.get_params()
    assert params["lexical__top_k"] == 7 and params["lexical"] is hybrid.lexical
    hybrid.set_params(lexical__top_k=9)
    assert hybrid.lexical.top_k == 9
    copy = clone(hybrid)
    assert copy.lexical is not hybrid.lexical and copy.lexical.top_k == 9
    with pytest.raises(NotFittedError, match="not fitted"):
        TfidfMatcher().score(["robots"])
