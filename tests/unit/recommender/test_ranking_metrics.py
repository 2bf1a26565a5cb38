"""Ranking metrics on a fixture small enough to compute by hand.

Three users, lists of five:
    A: a b c d e   relevant {b, d, x}   hits at ranks 2 and 4
    B: f g h i j   relevant {f}         a hit at rank 1
    C: k l m n o   relevant {y, z}      no hit
The expected values below are worked out in the comments. The same input given to
microsoft/recommenders 1.2.1 (recommenders.evaluation.python_evaluation: precision_at_k,
recall_at_k, ndcg_at_k, map_at_k; predictions scored 10, 9, ... in list order) returns the
same numbers to six decimals (checked in the reference venv of bench/setup_reference_env.sh).
"""
from math import log

import numpy as np
import pytest

from recommender.ranking_metrics import hit_matrix, metrics_at

LISTS = [list("abcde"), list("fghij"), list("klmno")]
RELEVANT = [{"b", "d", "x"}, {"f"}, {"y", "z"}]
COUNTS = np.array([3, 1, 2])

IDEAL_3 = 1 / log(2) + 1 / log(3) + 1 / log(4)  # A's ideal DCG once k >= 3: three hits at ranks 1..3

EXPECTED = {
    # k: (precision, recall, nDCG, MAP, hit rate)
    1: (1 / 3,                                    # only B hits: (0 + 1/1 + 0) / 3
        1 / 3,                                    # (0 + 1/1 + 0) / 3
        1 / 3,                                    # B's DCG equals its ideal: (0 + 1 + 0) / 3
        1 / 3,                                    # B: precision 1 at its hit / min(1, 1)
        1 / 3),
    3: ((1 / 3 + 1 / 3 + 0) / 3,                  # A: b at rank 2; B: f
        (1 / 3 + 1 + 0) / 3,
        ((1 / log(3)) / IDEAL_3 + 1 + 0) / 3,     # A: 1/ln(1 + 2) over ideal 1/ln2 + 1/ln3 + 1/ln4
        ((1 / 2) / 3 + 1 + 0) / 3,                # A: precision 1/2 at rank 2, over min(3, 3)
        2 / 3),
    5: ((2 / 5 + 1 / 5 + 0) / 3,                  # A: b and d
        (2 / 3 + 1 + 0) / 3,
        ((1 / log(3) + 1 / log(5)) / IDEAL_3 + 1 + 0) / 3,
        ((1 / 2 + 2 / 4) / 3 + 1 + 0) / 3,        # A: 1/2 at rank 2, 2/4 at rank 4, over 3
        2 / 3),
    10: ((2 / 10 + 1 / 10 + 0) / 3,               # a list shorter than k cannot reach precision 1
         (2 / 3 + 1 + 0) / 3,
         ((1 / log(3) + 1 / log(5)) / IDEAL_3 + 1 + 0) / 3,
         ((1 / 2 + 2 / 4) / 3 + 1 + 0) / 3,
         2 / 3),
}


def test_hit_matrix_marks_relevant_ranks():
    hits = hit_matrix(LISTS, RELEVANT, 10)
    assert hits.shape == (3, 10)
    assert np.flatnonzero(hits[0]).tolist() == [1, 3]
    assert np.flatnonzero(hits[1]).tolist() == [0]
    assert not hits[2].any()


@pytest.mark.parametrize("k", sorted(EXPECTED))
def test_metrics_match_the_hand_computed_values(k):
    metrics = metrics_at(hit_matrix(LISTS, RELEVANT, 10), COUNTS, k)
    got = (metrics["precision"], metrics["recall"], metrics["ndcg"], metrics["map"], metrics["hit_rate"])
    assert got == pytest.approx(EXPECTED[k], abs=1e-12)


def test_published_reference_figures_at_three():
    # The values microsoft/recommenders printed for this fixture, rounded to six decimals.
    metrics = metrics_at(hit_matrix(LISTS, RELEVANT, 10), COUNTS, 3)
    assert [round(metrics[name], 6) for name in ("precision", "recall", "ndcg", "map")] == \
        [0.222222, 0.444444, 0.432027, 0.388889]
