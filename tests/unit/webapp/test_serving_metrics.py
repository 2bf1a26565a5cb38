"""The business metrics of recommend answers (issue 21): kind, strategy and model labels, backfill's share of
the slots, empty answers and unknown ids, all with bounded label sets (issue 19)."""
from datetime import datetime, timezone

from api_fakes import RECOMMEND, completed_model, make_parts
from flask import g
from prometheus_client import REGISTRY

from config.settings import Settings
from recommender import SARParameters, fit, make_events
from registry import ModelRecord, ModelStatus
from webapp import create_app
from webapp.serving_metrics import MAX_STRATEGIES, recommend_kind

LISTED_ID = "0b9d3c1e-57a4-4b8e-9a41-000000000001"


def sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def make_client(parts, strategies=None):
    """A client whose app lists one model id for the metrics; `strategies` (a list) replaces what the recommend
    views name on each request (g.recommendation_strategy), before the metrics read it."""
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "unit-admin-key-1",
                                      "RECOMMEND_PRIMARY_KEY": "unit-recommend-key-1", "METRICS_MODEL_IDS": LISTED_ID})
    app = create_app(settings, **parts)
    if strategies is not None:
        def name_strategy(response):  # runs before the metrics' own after_request hook, registered earlier
            g.recommendation_strategy = strategies.pop(0) if strategies else None
            return response
        app.after_request(name_strategy)
    return app.test_client()


def items(source) -> float:
    return sample("recsvc_recommended_items_total", source=source)


def test_backfilled_slots_unknown_items_and_the_kind_are_counted():
    parts = make_parts()
    client = make_client(parts)
    model_id = completed_model(client, parts)
    before = {"model": items("model"), "backfill": items("backfill"), "unknown": sample(
        "recsvc_unknown_ids_total", subject="item"), "served": served("sar+backfill-popular"),
        "served_backfill": served("backfill-popular")}
    # x's only neighbour is y; z never co-occurs with it and is backfilled with score 0.
    known = client.get(f"/api/models/{model_id}/recommend?itemId=x", headers=RECOMMEND).json
    assert [(r["recommendedItemId"], r["score"] > 0) for r in known] == [("y", True), ("z", False)]
    unknown = client.get(f"/api/models/{model_id}/recommend?itemId=nope", headers=RECOMMEND).json
    assert unknown and all(r["score"] == 0 for r in unknown)  # all backfill

    assert items("model") - before["model"] == 1
    assert items("backfill") - before["backfill"] == 1 + len(unknown)
    assert sample("recsvc_unknown_ids_total", subject="item") - before["unknown"] == 1
    # each answer counted under the strategy the recommend view named (X-Recommendation-Strategy)
    assert served("sar+backfill-popular") - before["served"] == 1
    assert served("backfill-popular") - before["served_backfill"] == 1


def served(strategy: str) -> float:
    return sample("recsvc_recommendations_served_total", kind="item_to_item", strategy=strategy, model="other")


def listed_model(parts) -> str:
    """A Completed model under the id METRICS_MODEL_IDS lists, trained without backfill and with user histories."""
    parts["registry"].create(ModelRecord(id=LISTED_ID, description=None, creation_time=datetime.now(timezone.utc),
                                         status=ModelStatus.COMPLETED, status_message="done", parameters={}))
    events = make_events(["u1", "u1", "u2"], ["x", "y", "z"])
    parts["provider"].models[LISTED_ID] = fit(events, SARParameters(support_threshold=1, enable_backfilling=False,
                                                                    enable_user_to_item=True))
    return LISTED_ID


def test_empty_answers_unknown_users_and_a_listed_model_id(caplog):
    parts = make_parts()
    client = make_client(parts)
    model_id = listed_model(parts)
    before_empty = sample("recsvc_empty_answers_total", kind="personalized")
    before_users = sample("recsvc_unknown_ids_total", subject="user")
    before_served = sample("recsvc_recommendations_served_total", kind="personalized", strategy="none", model=model_id)
    answer = client.post(f"/api/models/{model_id}/recommend?userId=stranger", headers=RECOMMEND, json=[])
    assert answer.status_code == 200 and answer.json == []
    assert sample("recsvc_empty_answers_total", kind="personalized") - before_empty == 1
    assert sample("recsvc_unknown_ids_total", subject="user") - before_users == 1
    assert sample("recsvc_recommendations_served_total", kind="personalized", strategy="none",
                  model=model_id) - before_served == 1
    logged = [record for record in caplog.records if hasattr(record, "kind")]  # the answer's closing line
    assert [(r.kind, r.strategy, r.items, r.backfilled, r.unknownUser) for r in logged] == \
        [("personalized", "none", 0, 0, True)]


def test_strategies_past_the_bound_fold_into_other():
    parts = make_parts()
    names = [f"strategy-{n}" for n in range(MAX_STRATEGIES + 5)]
    client = make_client(parts, strategies=[None] + list(names))  # None: the create request in completed_model
    model_id = completed_model(client, parts)
    for _ in names:
        assert client.get(f"/api/models/{model_id}/recommend?itemId=x", headers=RECOMMEND).status_code == 200
    strategies = {sample.labels["strategy"] for family in REGISTRY.collect() for sample in family.samples
                  if sample.name == "recsvc_recommendations_served_total" and sample.value}
    assert "other" in strategies
    assert len(strategies & set(names)) <= MAX_STRATEGIES


def test_route_kinds_are_a_fixed_set():
    route = "/api/models/<model_id:model_id>"
    assert recommend_kind(f"{route}/recommend", "GET", False) == "item_to_item"
    assert recommend_kind(f"{route}/recommend", "GET", True) == "user"
    assert recommend_kind(f"{route}/recommend", "POST", True) == "personalized"
    assert recommend_kind(f"{route}/users/<user_id>/recommendations", "GET", False) == "user"
    assert recommend_kind(f"{route}/popular", "GET", False) == "popular"
    assert recommend_kind(f"{route}/scores", "POST", False) == "scores"
    assert recommend_kind(f"{route}/batch", "POST", False) == "other"
