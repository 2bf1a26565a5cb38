"""recsvc's pieces without a server: parameters, the progress bar, waiting, paging, output."""
import io
import json

import pytest

from cli.api import ApiClient
from cli.batch import wait_for_job
from cli.commands import Context
from cli.exceptions import ApiError, UploadError, UsageError, WaitTimeoutError
from cli.inputs import parse_value
from cli.main import main
from cli.output import format_table, format_tree, to_json
from cli.parser import build_parser
from cli.progress import ProgressBar, format_bytes, render
from cli.reports import parsing_warnings, status_line
from cli.train import model_parameters, stage_fraction, wait_for_model
from cli.upload import collect_files


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_parameters_merge_file_then_flags_then_assignments(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"blobContainerName": "from-file", "supportThreshold": 6, "description": "file"}))
    parameters = model_parameters(str(path), {"container": "from-flag", "usage": None},
                                  ["supportThreshold=3", "enableBackfilling=false", "similarityFunction=Lift",
                                   'description="007"'])
    assert parameters == {"blobContainerName": "from-flag", "supportThreshold": 3, "description": "007",
                          "enableBackfilling": False, "similarityFunction": "Lift"}


@pytest.mark.parametrize("raw, value", [("true", True), ("3", 3), ("2.5", 2.5), ("null", None), ("Jaccard", "Jaccard"),
                                        ('"3"', "3"), ("[1]", "[1]")])
def test_parse_value(raw, value):
    assert parse_value(raw) == value


def test_bad_parameters_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="expected name=value"):
        model_parameters(None, {}, ["supportThreshold"])
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(UsageError, match="must hold a JSON object"):
        model_parameters(str(listed), {}, [])


def test_progress_bar_redraws_in_place_on_a_terminal():
    stream, now = Terminal(), [0.0]
    bar = ProgressBar(stream, clock=lambda: now[0], columns=200)
    bar.update(0.25, "Core training: Counting co-occurrences (25%)")
    now[0] += 0.01
    bar.update(0.3, "Core training: Counting co-occurrences (25%)")  # too soon, same text: not redrawn
    now[0] += 1
    bar.update(0.5, "short")
    bar.close()
    frames = stream.getvalue().split("\r")[1:]
    assert frames[0] == render(0.25, "Core training: Counting co-occurrences (25%)")
    assert frames[1].startswith("[###############...............]  50% short")
    assert len(frames[1]) == len(frames[0]) + 1  # padded to wipe the longer line, then the final newline
    assert stream.getvalue().endswith("\n")
    narrow = Terminal()
    ProgressBar(narrow, columns=40).update(0.5, "a stage with a long name that does not fit")
    assert len(narrow.getvalue()) == 1 + 39


def test_progress_bar_prints_a_line_per_new_text_elsewhere():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    for fraction, text in [(None, "Downloading"), (None, "Downloading"), (0.4, "Counting (40%)"), (0.4, "Counting (40%)")]:
        bar.update(fraction, text, detail="[3 s]")
    bar.close()
    assert stream.getvalue() == "Downloading\n 40% Counting (40%)\n"


def test_stage_fraction_reads_the_percentage_of_the_stage():
    assert stage_fraction("InProgress", "Core training: Counting co-occurrences (40%)") == 0.4
    assert stage_fraction("InProgress", "Parsing usage events files") is None
    assert stage_fraction("Completed", "Model training completed successfully") == 1.0
    assert stage_fraction("Failed", "stopped at (40%)") is None


class ScriptedClient:
    def __init__(self, states):
        self.states, self.calls = list(states), 0

    def get_model(self, model_id):
        state = self.states[min(self.calls, len(self.states) - 1)]
        self.calls += 1
        return {"id": model_id, "modelStatus": state[0], "modelStatusMessage": state[1]}


def test_wait_follows_the_model_to_its_end():
    client = ScriptedClient([("Created", "waiting"), ("InProgress", "Counting (50%)"), ("Failed", "no valid usage event")])
    stream, sleeps = io.StringIO(), []
    model = wait_for_model(client, "m", ProgressBar(stream), poll_seconds=0.5, clock=lambda: 0.0, sleep=sleeps.append)
    assert model["modelStatus"] == "Failed" and sleeps == [0.5, 0.5]
    assert stream.getvalue().splitlines() == ["Created: waiting", " 50% InProgress: Counting (50%)",
                                              "Failed: no valid usage event"]


def test_wait_gives_up_after_its_timeout():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    with pytest.raises(WaitTimeoutError, match="still InProgress after 2 s"):
        wait_for_model(ScriptedClient([("InProgress", "x")]), "m", ProgressBar(io.StringIO()), poll_seconds=1,
                       timeout=2, clock=lambda: now[0], sleep=sleep)


class FakeResponse:
    def __init__(self, status, body, headers=None, url="http://svc/api/models"):
        self.status_code, self._body, self.headers, self.url = status, body, headers or {}, url
        self.text, self.reason = json.dumps(body), "reason"

    def json(self):
        return self._body


class FakeSession:
    """Answers the list route page by page, like the service: the next page's token in a header."""

    def __init__(self, pages):
        self.pages, self.requests = pages, []

    def request(self, method, url, headers, timeout, params=None, json=None):
        self.requests.append((method, url, dict(params or {}), headers))
        token = (params or {}).get("continuationToken")
        index = 0 if token is None else int(token)
        headers = {"X-Continuation-Token": str(index + 1)} if index + 1 < len(self.pages) else {}
        return FakeResponse(200, self.pages[index], headers)


def test_list_models_follows_continuation_tokens():
    session = FakeSession([[{"id": "3"}, {"id": "2"}], [{"id": "1"}], [{"id": "0"}]])
    client = ApiClient("http://svc/", "k", session=session)
    assert [model["id"] for model in client.list_models()] == ["3", "2", "1", "0"]
    assert [request[2] for request in session.requests] == [{}, {"continuationToken": "1"}, {"continuationToken": "2"}]
    assert all(request[3] == {"x-api-key": "k"} for request in session.requests)


def test_api_errors_keep_code_message_and_fields():
    class ErrorSession:
        def request(self, *args, **kwargs):
            return FakeResponse(400, {"error": {"code": "InvalidRequest", "message": "the request is not valid",
                                                "details": [{"field": "supportThreshold", "message": "too small"}]}})

    with pytest.raises(ApiError) as raised:
        ApiClient("http://svc", "k", session=ErrorSession()).create_model({})
    assert str(raised.value) == "400 InvalidRequest: the request is not valid (supportThreshold: too small)"


def test_collect_files_names_blobs_under_the_prefix(tmp_path):
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "a.csv").write_text("x")
    (tmp_path / "data" / "sub" / "b.csv").write_text("y")
    (tmp_path / "data" / ".hidden").write_text("z")
    (tmp_path / "one.csv").write_text("w")
    pairs = collect_files([tmp_path / "data", tmp_path / "one.csv"], "/usage/")
    assert [name for _, name in pairs] == ["usage/a.csv", "usage/sub/b.csv", "usage/one.csv"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(UploadError, match="nothing to upload"):
        collect_files([tmp_path / "empty"])


def test_output_helpers():
    assert format_bytes(1536) == "1.5 KiB" and format_bytes(12) == "12 B"
    assert format_table(["A", "LONGER"], [["xyz", 1.5], [None, True]]).splitlines() == [
        "A    LONGER", "xyz  1.5", "-    true"]
    assert format_tree({"k": {"errors": [{"error": "X", "sample": {"file": "f", "line": 2}}]}}) == [
        "k:", "  errors:", "    error  sample", "    X      file=f line=2"]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("recsvc ")


@pytest.mark.parametrize("argv", [
    ["--json", "--url", "http://svc", "--key", "k", "models", "list"],
    ["models", "--json", "list", "--endpoint", "http://svc", "--key", "k"],
    ["--key", "wrong", "models", "list", "--key", "k", "--json", "--url", "http://svc"],
])
def test_global_options_go_before_or_after_the_command(argv):
    args = build_parser().parse_args(argv)
    assert (args.json, args.endpoint, args.key, args.http_timeout) == (True, "http://svc", "k", 30.0)


def test_global_options_default_when_not_given():
    args = build_parser().parse_args(["models", "list"])
    assert (args.json, args.endpoint, args.key) == (False, None, None)


class RecordingSession:
    """Answers every request with one JSON body (GET .../items: the names given, null for the others) and keeps
    what was asked."""

    def __init__(self, body, names=None):
        self.body, self.names, self.requests = body, names or {}, []

    def request(self, method, url, headers, timeout, params=None, json=None):
        self.requests.append({"method": method, "url": url, "params": params, "json": json})
        if url.endswith("/items"):
            return FakeResponse(200, [{"itemId": item_id, "name": self.names.get(item_id), "category": None}
                                      for item_id in params["itemId"]], url=url)
        return FakeResponse(200, self.body, url=url)


def run_command(argv, answer, names=None) -> tuple:
    """Parse argv and run its handler against a RecordingSession: (exit code, stdout, the requests)."""
    session, stdout = RecordingSession(answer, names), io.StringIO()
    args = build_parser().parse_args(argv)
    context = Context(client=lambda: ApiClient("http://svc", "k", session=session), connection_string="",
                      stdout=stdout, stderr=io.StringIO())
    return args.handler(args, context), stdout.getvalue(), session.requests


RECOMMENDED = [{"recommendedItemId": "a2", "score": 0.5}]
ITEMS_LOOKUP = {"method": "GET", "url": "http://svc/api/models/m1/items", "json": None, "params": {"itemId": ["a2"]}}


def test_recommend_sends_rule_flags_as_query_parameters():
    code, out, requests = run_command(["recommend", "--model", "m1", "--item", "a1", "--include", "a2", "--include", "a3",
                                       "--exclude", "b1", "--prefix", "a", "--max-per-category", "2",
                                       "--category-window", "5"], RECOMMENDED)
    assert code == 0 and out.splitlines()[1].split() == ["1", "a2", "0.5000"]
    assert requests == [{"method": "GET", "url": "http://svc/api/models/m1/recommend", "json": None, "params": {
        "recommendationCount": 10, "itemId": "a1", "includeItemIds": ["a2", "a3"], "excludeItemIds": ["b1"],
        "itemIdPrefix": "a", "maxPerCategory": 2, "categoryWindow": 5}}, ITEMS_LOOKUP]


def test_personalized_recommend_sends_rules_in_an_object_body(tmp_path):
    events = tmp_path / "events.json"
    events.write_text('[{"itemId": "a1"}]')
    _, _, [request, _] = run_command(["recommend", "--events", str(events), "--exclude", "a2", "-n", "3"], RECOMMENDED)
    assert (request["method"], request["url"]) == ("POST", "http://svc/api/models/default/recommend")
    assert request["json"] == {"events": [{"itemId": "a1"}], "excludeItemIds": ["a2"]}
    _, _, [plain, _] = run_command(["recommend", "--user", "u1"], RECOMMENDED)
    assert plain["json"] == [] and plain["params"] == {"recommendationCount": 10, "userId": "u1"}


EXPLAINED = [{"recommendedItemId": "a2", "score": 0.5, "explanation": {
    "strategy": "SAR", "seedItems": [{"itemId": "a1", "share": 0.75}, {"itemId": "b1", "share": 0.25}]}},
    {"recommendedItemId": "c9", "score": 0.0, "explanation": {"strategy": "Backfill", "seedItems": []}}]


def test_recommend_explain_asks_for_explanations_and_shows_why():
    code, out, [request, _] = run_command(["recommend", "--item", "a1", "--explain"], EXPLAINED)
    assert code == 0 and request["params"] == {"recommendationCount": 10, "itemId": "a1", "explain": "true"}
    lines = out.splitlines()
    assert lines[0].split() == ["RANK", "ITEM", "SCORE", "WHY"]
    assert lines[1].split() == ["1", "a2", "0.5000", "SAR:", "a1", "75%,", "b1", "25%"]
    assert lines[2].split() == ["2", "c9", "0.0000", "Backfill"]
    _, _, [personalized, _] = run_command(["recommend", "--user", "u1", "--explain"], EXPLAINED)
    assert personalized["params"] == {"recommendationCount": 10, "userId": "u1", "explain": "true"}


def test_recommend_prints_a_name_column_when_the_model_has_names():
    answer = [{"recommendedItemId": "181", "score": 0.75}, {"recommendedItemId": "9", "score": 0.5}]
    code, out, requests = run_command(["recommend", "--item", "174"], answer, names={"181": "Return of the Jedi (1983)"})
    assert code == 0
    assert requests[1] == {"method": "GET", "url": "http://svc/api/models/default/items", "json": None,
                           "params": {"itemId": ["181", "9"]}}
    assert out.splitlines() == ["RANK  ITEM  NAME                       SCORE",
                                "1     181   Return of the Jedi (1983)  0.7500",
                                "2     9                                0.5000"]  # an item without a name: blank
    _, plain, _ = run_command(["recommend", "--item", "174"], answer)  # no names: no column
    assert plain.splitlines()[0].split() == ["RANK", "ITEM", "SCORE"]
    _, json_out, json_requests = run_command(["--json", "recommend", "--item", "174"], answer, names={"181": "R"})
    assert json.loads(json_out) == answer and len(json_requests) == 1  # the answer as the service gave it


def test_recommend_shows_ids_alone_against_a_service_without_the_items_route():
    class OlderService(RecordingSession):
        def request(self, method, url, headers, timeout, params=None, json=None):
            if url.endswith("/items"):
                return FakeResponse(404, {"error": {"code": "NotFound", "message": "no such route"}}, url=url)
            return super().request(method, url, headers, timeout, params, json)

    args, stdout = build_parser().parse_args(["recommend", "--item", "a1"]), io.StringIO()
    context = Context(client=lambda: ApiClient("http://svc", "k", session=OlderService(RECOMMENDED)),
                      connection_string="", stdout=stdout, stderr=io.StringIO())
    assert args.handler(args, context) == 0
    assert stdout.getvalue().splitlines()[1].split() == ["1", "a2", "0.5000"]


def test_category_window_needs_a_cap():
    with pytest.raises(UsageError, match="--category-window needs --max-per-category"):
        run_command(["recommend", "--category-window", "3"], RECOMMENDED)


def test_scores_posts_the_items_and_prints_their_scores():
    answer = [{"itemId": "a2", "score": 1.25}, {"itemId": "zz", "score": 0.0}]
    code, out, [request] = run_command(["scores", "--model", "m1", "--item", "a2", "--item", "zz", "--user", "u1"],
                                       answer)
    assert code == 0
    assert request == {"method": "POST", "url": "http://svc/api/models/m1/scores", "params": {"userId": "u1"},
                       "json": {"itemIds": ["a2", "zz"], "events": []}}
    assert [line.split() for line in out.splitlines()] == [["ITEM", "SCORE"], ["a2", "1.2500"], ["zz", "0.0000"]]
    assert run_command(["--json", "scores", "--item", "a2"], answer)[1] == to_json(answer) + "\n"


def parsing_report(errors):
    return {"successfulLinesCount": 10, "totalLinesCount": 13, "errors": errors}


TRAINED_WITH_BAD_LINES = {
    "id": "m1", "modelStatus": "Completed", "modelStatusMessage": "Model training completed successfully",
    "statistics": {
        "usageEventsParsing": parsing_report([
            {"error": "MalformedLine", "count": 2, "sample": {"file": "usage/a.csv", "line": 7}},
            {"error": "BadTimestampFormat", "count": 1, "sample": {"file": "usage/b.csv", "line": 3}}]),
        "catalogParsing": parsing_report([{"error": "DuplicateItemId", "count": 4, "sample": {"file": "cat.csv", "line": 9}}]),
        "evaluation": {"usageEventsParsing": parsing_report([])}}}


def test_status_prints_a_warning_per_reason_with_the_first_bad_line():
    code, out, _ = run_command(["status", "m1"], TRAINED_WITH_BAD_LINES)
    assert code == 0
    assert out.splitlines() == [
        "model m1 Completed: Model training completed successfully",
        "warning: usage: MalformedLine on 2 lines, first at usage/a.csv line 7",
        "warning: usage: BadTimestampFormat on 1 line, first at usage/b.csv line 3",
        "warning: catalog: DuplicateItemId on 4 lines, first at cat.csv line 9"]
    code, out, _ = run_command(["status", "m1", "--json"], TRAINED_WITH_BAD_LINES)
    assert len(json.loads(out)["warnings"]) == 3
    assert parsing_warnings(None) == [] and parsing_warnings({"usageEventsParsing": parsing_report([])}) == []


def test_status_of_a_failed_model_exits_3_without_a_doubled_prefix():
    failed = {"id": "m1", "modelStatus": "Failed", "modelStatusMessage": "Failed: no valid usage event in usage/a.csv"}
    assert run_command(["status", "m1"], failed)[:2] == (3, "model m1 Failed: no valid usage event in usage/a.csv\n")
    assert status_line({"modelStatus": "InProgress", "modelStatusMessage": None}) == "InProgress"
    assert status_line({"modelStatus": "Failed", "modelStatusMessage": "Failed to parse"}) == "Failed: Failed to parse"


def test_wait_does_not_double_the_status_in_its_progress_lines():
    client = ScriptedClient([("InProgress", "Counting (50%)"), ("Failed", "Failed: no valid usage event")])
    stream = io.StringIO()
    wait_for_model(client, "m", ProgressBar(stream), poll_seconds=0, clock=lambda: 0.0, sleep=lambda _: None)
    assert stream.getvalue().splitlines() == [" 50% InProgress: Counting (50%)", "Failed: no valid usage event"]


POLICY = {"metric": "ndcgAt10", "tolerance": 0.01}
RETRAIN = {"id": "m2", "modelStatus": "Created", "modelStatusMessage": "Retrain of model m1; waiting for a worker",
           "parentModelId": "m1", "promotionPolicy": POLICY}


def test_retrain_posts_only_the_changes_given_and_names_the_parent():
    code, out, [request] = run_command(["retrain", "m1", "--usage", "weekly/", "--evaluation", "test/",
                                        "--metric", "ndcgAt10", "--tolerance", "0.01"], RETRAIN)
    assert code == 0 and out == "created model m2, a retrain of model m1\n"
    assert (request["method"], request["url"]) == ("POST", "http://svc/api/models/m1/retrain")
    assert request["json"] == {"usageRelativePath": "weekly/", "evaluationUsageRelativePath": "test/",
                               "promotionPolicy": POLICY}
    _, _, [bare] = run_command(["retrain", "m1", "--metric", "precisionAt5"], RETRAIN)
    assert bare["json"] == {"promotionPolicy": {"metric": "precisionAt5"}}  # the service's default tolerance
    assert run_command(["retrain", "m1"], RETRAIN)[2][0]["json"] == {}


def test_tolerance_without_a_metric_is_a_usage_error():
    for argv in (["retrain", "m1", "--tolerance", "0.1"], ["schedule", "set", "m1", "--cron", "0 3 * * *",
                                                           "--tolerance", "0.1"], ["train", "--tolerance", "0.1"]):
        with pytest.raises(UsageError, match="--tolerance needs --metric"):
            run_command(argv, RETRAIN)
    assert main(["retrain", "m1", "--tolerance", "x"], stderr=io.StringIO()) == 2  # not a number: argparse


def test_train_sends_the_policy_in_the_creation_body():
    _, _, [request] = run_command(["train", "--container", "data", "--usage", "u", "--evaluation-usage", "t",
                                   "--metric", "hitRateAt1"], {"id": "m3", "modelStatus": "Created"})
    assert request["json"] == {"blobContainerName": "data", "usageRelativePath": "u",
                               "evaluationUsageRelativePath": "t", "promotionPolicy": {"metric": "hitRateAt1"}}


class ScriptedSession:
    """Answers each request with the next body, keeping what was asked."""

    def __init__(self, bodies):
        self.bodies, self.requests = list(bodies), []

    def request(self, method, url, headers, timeout, params=None, json=None):
        self.requests.append((method, url, json))
        return FakeResponse(200, self.bodies.pop(0), url=url)


def test_retrain_wait_prints_the_parent_and_the_promotion_decision():
    done = {**RETRAIN, "modelStatus": "Completed", "modelStatusMessage": "Model training completed successfully; "
            "not promoted: ndcgAt10 0.1000 against 0.8000 of the default model m0, tolerance 0.01 (worse by more "
            "than the tolerance)"}
    session, stdout = ScriptedSession([RETRAIN, done]), io.StringIO()
    args = build_parser().parse_args(["retrain", "m1", "--wait", "--poll-seconds", "0"])
    context = Context(client=lambda: ApiClient("http://svc", "k", session=session), connection_string="",
                      stdout=stdout, stderr=io.StringIO())
    assert args.handler(args, context) == 0
    assert stdout.getvalue().splitlines() == [
        "created model m2, a retrain of model m1", "model m2 Completed: Model training completed successfully",
        "retrain of model m1", "promotion: not promoted: ndcgAt10 0.1000 against 0.8000 of the default model m0, "
                               "tolerance 0.01 (worse by more than the tolerance)"]
    assert [request[:2] for request in session.requests] == [("POST", "http://svc/api/models/m1/retrain"),
                                                             ("GET", "http://svc/api/models/m2")]
    status = json.loads(run_command(["status", "m2", "--json"], done)[1])
    assert status["parentModelId"] == "m1" and status["promotion"].startswith("not promoted: ndcgAt10 0.1000")


def test_status_before_completion_names_the_policy_that_will_decide():
    assert run_command(["status", "m2"], RETRAIN)[1].splitlines() == [
        "model m2 Created: Retrain of model m1; waiting for a worker", "retrain of model m1",
        "promotion policy: ndcgAt10, tolerance 0.01 (decides when the training completes)"]
    promoted = {"id": "m4", "modelStatus": "Completed", "modelStatusMessage": "Model training completed "
                "successfully; promoted: no default model was set (ndcgAt10 0.5000)", "promotionPolicy": POLICY}
    assert run_command(["status", "m4"], promoted)[1].splitlines()[1:] == [
        "promotion: promoted: no default model was set (ndcgAt10 0.5000)"]


SCHEDULE = {"modelId": "m1", "cron": "0 3 * * *", "usageRelativePath": "weekly/", "promotionPolicy": POLICY,
            "lastTick": "2024-05-01T03:00:00Z", "retrains": ["m3", "m2"]}


def test_schedule_set_show_and_delete():
    code, out, [request] = run_command(["schedule", "set", "m1", "--cron", "0 3 * * *", "--usage", "weekly/",
                                        "--metric", "ndcgAt10", "--tolerance", "0.01"], SCHEDULE)
    assert code == 0 and (request["method"], request["url"]) == ("PUT", "http://svc/api/models/m1/schedule")
    assert request["json"] == {"cron": "0 3 * * *", "usageRelativePath": "weekly/", "promotionPolicy": POLICY}
    assert out.splitlines() == ['model m1 retrains at "0 3 * * *" (UTC) from weekly/',
                                "promotion policy: ndcgAt10, tolerance 0.01", "last tick: 2024-05-01 03:00:00 UTC",
                                "retrains (newest first): m3, m2"]
    bare = {**SCHEDULE, "usageRelativePath": None, "promotionPolicy": None, "retrains": []}
    code, out, [request] = run_command(["schedule", "show", "m1"], bare)
    assert (request["method"], request["url"]) == ("GET", "http://svc/api/models/m1/schedule")
    assert out.splitlines() == ['model m1 retrains at "0 3 * * *" (UTC) from the usage path of the model it retrains',
                                "no promotion policy (AUTO_DEFAULT_MODEL applies)", "last tick: 2024-05-01 03:00:00 UTC",
                                "retrains: none yet"]
    assert json.loads(run_command(["--json", "schedule", "show", "m1"], SCHEDULE)[1]) == SCHEDULE
    code, out, [request] = run_command(["schedule", "delete", "m1"], None)
    assert (code, out) == (0, "deleted the schedule of model m1\n")
    assert (request["method"], request["url"]) == ("DELETE", "http://svc/api/models/m1/schedule")
    assert main(["schedule", "set", "m1"], stderr=io.StringIO()) == 2  # --cron is required


QUEUED_JOB = {"id": "j1", "modelId": "m1", "status": "Queued", "statusMessage": "Queued; waiting for a worker",
              "progress": 0.0, "usersScored": 0, "rowsWritten": 0, "partsWritten": 0, "errors": None,
              "request": {"outputContainerName": "exports", "outputRelativePath": "weekly", "format": "jsonl"}}
USER_LIST_REPORT = {"errors": [{"error": "UserIdTooLong", "count": 2, "sample": {"file": "users.txt", "line": 4}}],
                    "warnings": [{"reason": "UnknownUser", "count": 1, "sample": {"file": "users.txt", "line": 2}}],
                    "successfulLinesCount": 9, "totalLinesCount": 11}


class BatchSession:
    """The batch routes: POST answers 202 with a Location, each GET the next scripted job, DELETE the job."""

    def __init__(self, states=()):
        self.states, self.requests = list(states), []

    def request(self, method, url, headers, timeout, params=None, json=None):
        self.requests.append({"method": method, "url": url, "json": json})
        if method == "POST":
            return FakeResponse(202, QUEUED_JOB, {"Location": "/api/batches/j1"}, url=url)
        if method == "DELETE":
            return FakeResponse(202, {**QUEUED_JOB, "status": "Cancelled", "statusMessage": "Cancelled by request"},
                                url=url)
        return FakeResponse(200, {**QUEUED_JOB, **self.states.pop(0)}, url=url)


def run_batch(argv, states=()) -> tuple:
    """Parse argv and run its handler against a BatchSession: (exit code, stdout, stderr, the requests)."""
    session, stdout, stderr = BatchSession(states), io.StringIO(), io.StringIO()
    args = build_parser().parse_args(argv)
    context = Context(client=lambda: ApiClient("http://svc", "k", session=session), connection_string="",
                      stdout=stdout, stderr=stderr)
    return args.handler(args, context), stdout.getvalue(), stderr.getvalue(), session.requests


def test_batch_posts_the_fields_given_under_the_api_names_and_prints_the_location():
    code, out, _, [request] = run_batch(["batch", "m1", "--container", "exports", "--path", "weekly", "-n", "3",
                                         "--format", "jsonl", "--users-from", "lists/users.txt", "--exclude", "b1",
                                         "--prefix", "a", "--max-per-category", "2", "--category-window", "4"])
    assert code == 0 and out == "queued batch job j1 on model m1: http://svc/api/batches/j1\n"
    assert (request["method"], request["url"]) == ("POST", "http://svc/api/models/m1/batch")
    assert request["json"] == {"outputContainerName": "exports", "outputRelativePath": "weekly",
                               "recommendationCount": 3, "format": "jsonl", "userListRelativePath": "lists/users.txt",
                               "excludeItemIds": ["b1"], "itemIdPrefix": "a", "maxPerCategory": 2, "categoryWindow": 4}
    _, _, _, [bare] = run_batch(["batch", "default", "--container", "exports", "--path", "weekly"])
    assert bare["url"] == "http://svc/api/models/default/batch"
    assert bare["json"] == {"outputContainerName": "exports", "outputRelativePath": "weekly"}  # service defaults
    with pytest.raises(UsageError, match="--category-window needs --max-per-category"):
        run_batch(["batch", "m1", "--container", "c", "--path", "p", "--category-window", "3"])
    assert main(["batch", "m1", "--path", "p"], stderr=io.StringIO()) == 2  # --container is required
    assert main(["batch", "m1", "--container", "c", "--path", "p", "--format", "xml"], stderr=io.StringIO()) == 2


def test_batch_wait_follows_the_parts_and_exits_3_with_the_reason_and_the_report():
    states = [{"status": "Running", "statusMessage": "Wrote part 1 of 3", "progress": 0.3333, "partsWritten": 1,
               "usersScored": 5},
              {"status": "Failed", "statusMessage": "Failed: a blob or container of the job is gone",
               "progress": 0.3333, "partsWritten": 1, "usersScored": 5, "rowsWritten": 15, "errors": USER_LIST_REPORT}]
    code, out, err, requests = run_batch(["batch", "m1", "--container", "exports", "--path", "weekly", "--wait",
                                          "--poll-seconds", "0"], states)
    assert code == 3
    assert out.splitlines() == [
        "queued batch job j1 on model m1: http://svc/api/batches/j1",
        "batch job j1 Failed: a blob or container of the job is gone",
        "model m1: 1 parts written, 5 users scored, 15 rows", "output: exports/weekly/part-*.jsonl",
        "warning: user list: UserIdTooLong on 2 lines, first at users.txt line 4",
        "warning: user list: UnknownUser on 1 line, first at users.txt line 2"]
    assert err.splitlines() == [" 33% Running: Wrote part 1 of 3 (1 parts written, 5 users scored)",
                                "Failed: a blob or container of the job is gone (1 parts written, 5 users scored)"]
    assert [(request["method"], request["url"]) for request in requests[1:]] == [
        ("GET", "http://svc/api/batches/j1")] * 2


def test_batch_status_and_cancel():
    completed = {"status": "Completed", "statusMessage": "Completed: 12 users, 3 parts", "progress": 1.0,
                 "partsWritten": 3, "usersScored": 12, "rowsWritten": 36}
    code, out, _, [request] = run_batch(["batch-status", "j1"], [completed])
    assert code == 0 and request["url"] == "http://svc/api/batches/j1"
    assert out.splitlines()[:2] == ["batch job j1 Completed: 12 users, 3 parts",
                                    "model m1: 3 parts written, 12 users scored, 36 rows"]
    code, out, _, _ = run_batch(["batch-status", "j1", "--json"], [{"status": "Cancelled"}])
    assert code == 3 and json.loads(out)["status"] == "Cancelled"
    code, out, _, [request] = run_batch(["batch-cancel", "j1"])
    assert (code, out) == (0, "batch job j1 Cancelled: Cancelled by request\n")
    assert (request["method"], request["url"]) == ("DELETE", "http://svc/api/batches/j1")


def test_batch_wait_gives_up_after_its_timeout():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    client = ApiClient("http://svc", "k", session=BatchSession([{"status": "Running"}] * 5))
    with pytest.raises(WaitTimeoutError, match="batch job j1 is still Running after 2 s"):
        wait_for_job(client, "j1", ProgressBar(io.StringIO()), poll_seconds=1, timeout=2, clock=lambda: now[0],
                     sleep=sleep)
