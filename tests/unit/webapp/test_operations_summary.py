"""The operations view's data (issue 21): /dashboard/operations sums the service's own metrics for admin keys."""
from functools import partial

from api_fakes import ADMIN, RECOMMEND, completed_model
from prometheus_client.samples import Sample

from composition import count_models_by_status
from observability.metrics_summary import MetricsSummary, summarise


def test_the_summary_needs_an_admin_key(client):
    assert client.get("/dashboard/operations").status_code == 401
    assert client.get("/dashboard/operations", headers=RECOMMEND).status_code == 403


def test_the_summary_counts_requests_answers_and_models(client, parts):
    model_id = completed_model(client, parts)
    # Read on every call (the route's own reads at most every two seconds).
    client.application.extensions["metrics_summary"] = MetricsSummary(
        partial(count_models_by_status, parts["registry"]), ttl_seconds=0)
    before = client.get("/dashboard/operations", headers=ADMIN).json
    assert before["models"] == {"Created": 0, "InProgress": 0, "Completed": 1, "Failed": 0}
    answer = client.get(f"/api/models/{model_id}/recommend?itemId=x", headers=RECOMMEND).json
    after = client.get("/dashboard/operations", headers=ADMIN).json

    assert after["requests"]["total"] - before["requests"]["total"] >= 2  # the answer and the first summary
    assert after["answers"]["items"] - before["answers"]["items"] == len(answer)
    assert after["answers"]["backfilled"] - before["answers"]["backfilled"] == sum(1 for r in answer if r["score"] == 0)
    assert after["latencyBuckets"][-1][0] == "+Inf"
    assert after["time"] >= before["time"]


def test_summarise_adds_up_processes_and_leaves_unmatched_routes_out_of_latency():
    samples = [
        Sample("recsvc_http_requests_total", {"route": "/a", "method": "GET", "status": "200"}, 8),
        Sample("recsvc_http_requests_total", {"route": "/a", "method": "GET", "status": "503"}, 1),
        Sample("recsvc_http_requests_total", {"route": "unmatched", "method": "other", "status": "405"}, 3),
        Sample("recsvc_http_request_duration_seconds_bucket", {"route": "/a", "le": "0.001"}, 4),
        Sample("recsvc_http_request_duration_seconds_bucket", {"route": "/b", "le": "0.001"}, 2),
        Sample("recsvc_http_request_duration_seconds_bucket", {"route": "/a", "le": "+Inf"}, 9),
        Sample("recsvc_http_request_duration_seconds_bucket", {"route": "unmatched", "le": "+Inf"}, 3),
        Sample("recsvc_cache_hits_total", {"level": "answers"}, 5),
        Sample("recsvc_cache_misses_total", {"level": "answers"}, 2),
        Sample("recsvc_recommended_items_total", {"source": "model"}, 30),
        Sample("recsvc_recommended_items_total", {"source": "backfill"}, 10),
        Sample("recsvc_empty_answers_total", {"kind": "personalized"}, 1),
    ]
    summary = summarise(samples)
    assert summary["requests"] == {"total": 12, "serverErrors": 1, "clientErrors": 3}
    assert summary["latencyBuckets"] == [[0.001, 6], ["+Inf", 9]]
    assert summary["cache"]["answers"] == {"hits": 5, "misses": 2}
    assert summary["answers"] == {"items": 40, "backfilled": 10, "empty": 1}


def test_models_are_read_at_most_once_per_ttl_and_storage_down_is_none():
    now, reads = [0.0], []

    def count_models():
        reads.append(now[0])
        if now[0] > 20:
            raise ConnectionError("storage down")
        return {"Completed": 2}

    summary = MetricsSummary(count_models, ttl_seconds=1, models_ttl_seconds=15, clock=lambda: now[0],
                             read_samples=list)
    assert summary.current()["models"] == {"Completed": 2}
    now[0] = 10.0
    summary.current()
    assert reads == [0.0]
    now[0] = 30.0
    assert summary.current()["models"] is None
