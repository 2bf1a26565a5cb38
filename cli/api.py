"""A thin client of the REST API: one method per route, API errors raised as ApiError."""
from typing import Optional
from urllib.parse import quote, urljoin

import requests

from .exceptions import ApiError, ConnectionFailedError

API_KEY_HEADER = "x-api-key"
DEFAULT_TIMEOUT_SECONDS = 30.0
CONTINUATION_HEADER = "X-Continuation-Token"
MAX_LIST_PAGES = 1000
"""A guard against a server that keeps sending the same continuation token."""


class ApiClient:
    """Calls the service at `endpoint` with one API key (admin for everything, recommend for recommend)."""

    def __init__(self, endpoint: str, key: str, timeout: float = DEFAULT_TIMEOUT_SECONDS, session=None):
        self.endpoint = endpoint.rstrip("/") + "/"
        self._headers = {API_KEY_HEADER: key} if key else {}
        self._timeout = timeout
        self._session = session or requests.Session()

    def list_models(self) -> list:
        """Every model summary, newest first: page after page while X-Continuation-Token says more follow."""
        models, params = [], {}
        for _ in range(MAX_LIST_PAGES):
            response = self._request("GET", "api/models", params=params)
            models.extend(_json(response))
            token = response.headers.get(CONTINUATION_HEADER)
            if not token:
                return models
            params = {"continuationToken": token}
        raise ConnectionFailedError(f"the model list did not end after {MAX_LIST_PAGES} pages")

    def get_model(self, model_id: str) -> dict:
        """One model; `default` names the default model."""
        return _json(self._request("GET", f"api/models/{_segment(model_id)}"))

    def create_model(self, parameters: dict) -> dict:
        """POST /api/models: register a model and queue its training."""
        return _json(self._request("POST", "api/models", json=parameters))

    def retrain_model(self, model_id: str, body: dict) -> dict:
        """POST /api/models/{id}/retrain: a new model with this one's parameters (and the body's changes)."""
        return _json(self._request("POST", f"api/models/{_segment(model_id)}/retrain", json=body))

    def put_schedule(self, model_id: str, body: dict) -> dict:
        """PUT /api/models/{id}/schedule: retrain the model whenever the body's cron expression ticks."""
        return _json(self._request("PUT", f"api/models/{_segment(model_id)}/schedule", json=body))

    def get_schedule(self, model_id: str) -> dict:
        """GET /api/models/{id}/schedule."""
        return _json(self._request("GET", f"api/models/{_segment(model_id)}/schedule"))

    def delete_schedule(self, model_id: str) -> None:
        """DELETE /api/models/{id}/schedule (retrains already made stay)."""
        self._request("DELETE", f"api/models/{_segment(model_id)}/schedule")

    def delete_model(self, model_id: str) -> None:
        """DELETE /api/models/{id} (202: the worker removes the rest)."""
        self._request("DELETE", f"api/models/{_segment(model_id)}")

    def set_default_model(self, model_id: str) -> dict:
        """PUT /api/models/default?modelId=."""
        return _json(self._request("PUT", "api/models/default", params={"modelId": model_id}))

    def recommend_items(self, model_id: str, item_id: Optional[str], count: int, rules: Optional[dict] = None,
                        explain: bool = False) -> list:
        """Items used with item_id (popular items without one); rules as query parameters (a list repeats)."""
        params = {"recommendationCount": count, **({"itemId": item_id} if item_id else {}), **(rules or {}),
                  **_explain(explain)}
        return _json(self._request("GET", f"api/models/{_segment(model_id)}/recommend", params=params))

    def recommend_personalized(self, model_id: str, user_id: Optional[str], events: list, count: int,
                               rules: Optional[dict] = None, explain: bool = False) -> list:
        """Items for a user's stored history and/or usage events; with rules the body is an object."""
        params = {"recommendationCount": count, **({"userId": user_id} if user_id else {}), **_explain(explain)}
        body = {"events": events, **rules} if rules else events
        return _json(self._request("POST", f"api/models/{_segment(model_id)}/recommend", params=params, json=body))

    def score_items(self, model_id: str, item_ids: list, user_id: Optional[str], events: list) -> list:
        """POST .../scores: [{"itemId", "score"}] for each item, for the user's history and/or the events."""
        params = {"userId": user_id} if user_id else {}
        body = {"itemIds": item_ids, "events": events}
        return _json(self._request("POST", f"api/models/{_segment(model_id)}/scores", params=params, json=body))

    def describe_items(self, model_id: str, item_ids: list) -> list:
        """GET .../items: [{"itemId", "name", "category"}] for each id (at most 100), null when unknown."""
        return _json(self._request("GET", f"api/models/{_segment(model_id)}/items", params={"itemId": item_ids}))

    def create_batch(self, model_id: str, body: dict) -> tuple:
        """POST /api/models/{id}/batch: queue a batch scoring job; (the job, its Location)."""
        response = self._request("POST", f"api/models/{_segment(model_id)}/batch", json=body)
        return _json(response), response.headers.get("Location")

    def get_batch(self, job_id: str) -> dict:
        """GET /api/batches/{jobId}: the job's status, progress and counters."""
        return _json(self._request("GET", f"api/batches/{_segment(job_id)}"))

    def cancel_batch(self, job_id: str) -> dict:
        """DELETE /api/batches/{jobId} (202: its worker stops at the next block); the job as it is now."""
        return _json(self._request("DELETE", f"api/batches/{_segment(job_id)}"))

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = urljoin(self.endpoint, path)
        try:
            response = self._session.request(method, url, headers=self._headers, timeout=self._timeout, **kwargs)
        except requests.RequestException as error:
            raise ConnectionFailedError(f"cannot reach {self.endpoint}: {_reason(error)}") from None
        if response.status_code >= 400:
            raise _api_error(response)
        return response


def _json(response: requests.Response):
    try:
        return response.json()
    except ValueError:
        raise ApiError(response.status_code, "InvalidResponse", f"the answer to {response.url} is not JSON") from None


def _segment(model_id: str) -> str:
    return quote(model_id, safe="")


def _api_error(response: requests.Response) -> ApiError:
    try:
        error = response.json()["error"]
        return ApiError(response.status_code, error["code"], error["message"], error.get("details"))
    except (ValueError, KeyError, TypeError):
        text = " ".join(response.text.split())[:200] or response.reason
        return ApiError(response.status_code, "HttpError", text)


def _reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or host unreachable"
    return type(error).__name__


def _explain(explain: bool) -> dict:
    """The explain parameter, sent only when asked (the answer without it is the plain one)."""
    return {"explain": "true"} if explain else {}
