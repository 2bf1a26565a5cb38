"""Retrain and schedule routes on the in-memory collaborators."""
from api_fakes import ADMIN, RECOMMEND, VALID_BODY

POLICY = {"metric": "ndcgAt10", "tolerance": 0.01}


def parent(client, **parameters) -> str:
    return client.post("/api/models", json={**VALID_BODY, **parameters}, headers=ADMIN).json["id"]


def test_a_retrain_copies_the_parameters_records_its_parent_and_is_queued(client, parts):
    model_id = parent(client, supportThreshold=2, evaluationUsageRelativePath="test")
    response = client.post(f"/api/models/{model_id}/retrain", json={"usageRelativePath": "usage/a.csv",
                                                                    "promotionPolicy": POLICY}, headers=ADMIN)
    assert response.status_code == 201
    child = response.json
    assert child["parentModelId"] == model_id and child["promotionPolicy"] == POLICY
    assert child["parameters"]["supportThreshold"] == 2 and child["parameters"]["usageRelativePath"] == "usage/a.csv"
    assert child["modelStatus"] == "Created" and parts["queues"].sent[-1] == ("train", child["id"])
    assert client.get(response.headers["Location"], headers=ADMIN).json == child
    assert "parentModelId" not in client.get(f"/api/models/{model_id}", headers=ADMIN).json


def test_without_a_body_the_parent_parameters_are_used_as_they_are(client, parts):
    model_id = parent(client)
    child = client.post(f"/api/models/{model_id}/retrain", headers=ADMIN).json
    assert child["parameters"] == client.get(f"/api/models/{model_id}", headers=ADMIN).json["parameters"]
    assert "promotionPolicy" not in child


def test_bad_retrains_are_400_or_404(client, parts):
    model_id = parent(client)
    no_evaluation = client.post(f"/api/models/{model_id}/retrain", json={"promotionPolicy": POLICY}, headers=ADMIN)
    assert no_evaluation.status_code == 400 and no_evaluation.json["error"]["code"] == "EvaluationRequired"
    unknown_metric = client.post(f"/api/models/{model_id}/retrain",
                                 json={"promotionPolicy": {"metric": "accuracy"}}, headers=ADMIN)
    assert unknown_metric.status_code == 400
    missing = client.post(f"/api/models/{model_id}/retrain", json={"usageRelativePath": "nothing"}, headers=ADMIN)
    assert missing.json["error"]["code"] == "UsageFileNotFound"
    overlap = client.post(f"/api/models/{model_id}/retrain", json={"evaluationUsageRelativePath": "usage"},
                          headers=ADMIN)
    assert overlap.status_code == 400
    assert client.post("/api/models/6f1c2a4e-1111-4111-8111-111111111111/retrain", headers=ADMIN).status_code == 404
    assert client.post(f"/api/models/{model_id}/retrain", headers=RECOMMEND).status_code == 403


def test_a_schedule_is_put_read_and_deleted(client, parts):
    model_id = parent(client, evaluationUsageRelativePath="test")
    put = client.put(f"/api/models/{model_id}/schedule", json={"cron": "0 3 * * 1", "usageRelativePath": "usage",
                                                               "promotionPolicy": POLICY}, headers=ADMIN)
    assert put.status_code == 200
    assert put.json["cron"] == "0 3 * * 1" and put.json["promotionPolicy"] == POLICY and put.json["retrains"] == []
    assert client.get(f"/api/models/{model_id}/schedule", headers=ADMIN).json == put.json
    assert client.delete(f"/api/models/{model_id}/schedule", headers=ADMIN).status_code == 204
    gone = client.get(f"/api/models/{model_id}/schedule", headers=ADMIN)
    assert gone.status_code == 404 and gone.json["error"]["code"] == "ScheduleNotFound"


def test_a_schedule_that_does_not_parse_is_a_400_naming_the_field(client, parts):
    model_id = parent(client)
    for cron in ("0 3 * *", "61 * * * *", "0 0 31 2 *"):
        response = client.put(f"/api/models/{model_id}/schedule", json={"cron": cron}, headers=ADMIN)
        assert response.status_code == 400, cron
        assert response.json["error"]["details"][0]["code"] == "InvalidCron"
