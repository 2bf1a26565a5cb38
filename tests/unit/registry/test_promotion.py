"""The promotion decision on statistics shaped as training writes them."""
import pytest

from registry.promotion import METRICS, decide, metric_value

POLICY = {"metric": "ndcgAt10", "tolerance": 0.01}


def statistics(ndcg10: float, hit_rate5: float = 40.0) -> dict:
    ranking = [{"k": k, "precision": 0.1 * k, "recall": 0.2, "ndcg": ndcg10 if k == 10 else 0.0, "map": 0.3}
               for k in (1, 2, 3, 4, 5, 10)]
    hits = [{"k": k, "percentage": hit_rate5 if k == 5 else 1.0, "usersInTest": 9} for k in (1, 2, 3, 4, 5)]
    return {"evaluation": {"metrics": {"rankingMetrics": ranking, "precisionMetrics": hits}}}


def test_metric_values_come_from_ranking_and_hit_rate_rows():
    assert metric_value(statistics(0.4), "ndcgAt10") == 0.4
    assert metric_value(statistics(0.4), "precisionAt3") == pytest.approx(0.3)
    assert metric_value(statistics(0.4, hit_rate5=25.0), "hitRateAt5") == 0.25
    assert metric_value({"numberOfUsers": 3}, "ndcgAt10") is None and metric_value(None, "mapAt1") is None
    assert len(METRICS) == 29


@pytest.mark.parametrize("candidate, promoted", [(0.40, True), (0.395, True), (0.39, True), (0.389, False),
                                                 (0.2, False), (0.5, True)])
def test_no_worse_than_the_default_by_more_than_the_tolerance(candidate, promoted):
    decision = decide(POLICY, statistics(candidate), "old", statistics(0.40))
    assert decision.promote is promoted
    assert "ndcgAt10" in decision.reason and "old" in decision.reason
    assert decision.reason.startswith("promoted" if promoted else "not promoted")


def test_without_a_default_the_first_evaluated_model_is_promoted():
    assert decide(POLICY, statistics(0.1), None, None).promote


def test_a_model_without_evaluation_is_never_promoted():
    decision = decide(POLICY, {"numberOfUsers": 3}, None, None)
    assert not decision.promote and "no ndcgAt10" in decision.reason


def test_a_default_without_the_metric_is_kept():
    decision = decide(POLICY, statistics(0.9), "old", {"numberOfUsers": 3})
    assert not decision.promote and "by hand" in decision.reason
