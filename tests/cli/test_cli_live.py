"""recsvc against the live stack: gunicorn and `python -m webjob` on the session's Azurite."""
import io
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from api_keys import KEYS, RECOMMEND_KEY
from usage_data import CLUSTERED_USAGE

from cli.main import main
from config.settings import Settings
from devtools.stack import service_environ, start_webapp, start_worker
from registry import ModelRecord, ModelStatus, TableModelRegistry
from storage.clients import StorageClients

ADMIN_KEY = KEYS["admin_primary_key"]
MODELS_PAST_ONE_PAGE = 105
"""More models than the list route's largest page (100), so the CLI must follow the continuation token."""
BATCH_ROWS_PER_PART = 5
"""The stack's worker writes a batch job's users 5 to a part: the clustered usage's 12 users make 3 parts."""


@pytest.fixture(scope="module")
def stack_names():
    """Storage names of this module's stack."""
    suffix = uuid.uuid4().hex[:10]
    return {"models_table": f"cli{suffix}", "models_container": f"cli-{suffix}",
            "train_queue": f"cli-train-{suffix}", "delete_queue": f"cli-delete-{suffix}",
            "batch_queue": f"cli-batch-{suffix}"}


@pytest.fixture(scope="module")
def stack(azurite, stack_names, tmp_path_factory):
    """One web app and one worker for the module; yields the CLI's environment variables."""
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1,
                              batch_rows_per_part=BATCH_ROWS_PER_PART, **stack_names)
    logs = tmp_path_factory.mktemp("cli-stack")
    webapp, base_url = start_webapp(environ, logs, workers=1)
    worker = start_worker(environ, logs)
    yield {"RECSVC_ENDPOINT": base_url, "RECSVC_API_KEY": ADMIN_KEY,
           "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string}
    for process in (worker, webapp):
        process.stop()
    settings = Settings.from_environ({key.upper(): value for key, value in environ.items()})
    storage = StorageClients.from_settings(settings)
    storage.tables.delete_table(settings.models_table)
    for queue in (settings.train_queue, settings.delete_queue, settings.batch_queue):
        storage.queues.delete_queue(queue)
    storage.blobs.delete_container(settings.models_container)


@pytest.fixture
def container_name(azurite):
    """A container name for this test's uploads; the container is removed afterwards."""
    name = f"cli-data-{uuid.uuid4().hex[:10]}"
    yield name
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    if service.get_container_client(name).exists():
        service.delete_container(name)


def recsvc(environ: dict, *argv) -> tuple:
    """Run the CLI in this process: (exit code, stdout, stderr)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main([str(arg) for arg in argv], environ=environ, stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def write_usage_folder(folder: Path) -> Path:
    """The clustered usage split over two files, plus a hidden file that must not be uploaded."""
    lines = CLUSTERED_USAGE.decode().splitlines(keepends=True)
    folder.mkdir()
    (folder / "part-1.csv").write_text("".join(lines[:18]))
    (folder / "part-2.csv").write_text("".join(lines[18:]))
    (folder / ".DS_Store").write_bytes(b"\0junk")
    return folder


def train_clustered(stack, container_name, tmp_path, *extra) -> dict:
    assert recsvc(stack, "upload", write_usage_folder(tmp_path / "usage"), "--container", container_name,
                  "--prefix", "usage/")[0] == 0
    code, out, err = recsvc(stack, "train", "--container", container_name, "--usage", "usage", "--wait",
                            "--poll-seconds", "0.1", "--timeout", "60", "--json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_upload_train_wait_and_recommend(stack, container_name, tmp_path, azurite):
    code, out, err = recsvc(stack, "upload", write_usage_folder(tmp_path / "usage"), "--container", container_name,
                            "--prefix", "usage/")
    assert code == 0, err
    assert out.split("\n")[0].split() == ["BLOB", "SIZE"]
    assert f"{container_name}/usage/part-1.csv" in out and "100% uploaded 2 file(s)" in err
    container = BlobServiceClient.from_connection_string(azurite.connection_string).get_container_client(container_name)
    uploaded = {blob.name: container.download_blob(blob.name).readall() for blob in container.list_blobs()}
    assert sorted(uploaded) == ["usage/part-1.csv", "usage/part-2.csv"]
    assert uploaded["usage/part-1.csv"] + uploaded["usage/part-2.csv"] == CLUSTERED_USAGE

    parameters = tmp_path / "parameters.json"
    parameters.write_text(json.dumps({"description": "from a file", "supportThreshold": 6}))
    code, out, err = recsvc(stack, "train", parameters, "--container", container_name, "--usage", "usage",
                            "-p", "enableUserToItemRecommendations=true", "-p", "supportThreshold=2",
                            "--wait", "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 0, err
    model_id = out.split()[2]
    assert out.splitlines()[-1] == f"model {model_id} Completed: Model training completed successfully"
    assert "Completed" in err.splitlines()[-1]  # the progress lines go to stderr, ending with the final status
    model = json.loads(recsvc(stack, "models", "show", model_id, "--json")[1])
    assert model["description"] == "from a file"
    assert (model["parameters"]["supportThreshold"], model["parameters"]["enableUserToItemRecommendations"]) == (2, True)
    assert model["statistics"]["numberOfUsers"] == 12

    code, out, err = recsvc(stack, "recommend", "--model", model_id, "--item", "b2", "-n", "3")
    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["RANK", "ITEM", "SCORE"]
    assert sorted(row[1] for row in rows[1:3]) == ["b1", "b3"] and rows[3][2] == "0.0000"

    events = tmp_path / "events.json"
    events.write_text(json.dumps([{"itemId": "a1", "eventType": "Purchase"}]))
    recommend_key = {**stack, "RECSVC_API_KEY": RECOMMEND_KEY}
    code, out, err = recsvc(recommend_key, "recommend", "--model", model_id, "--events", events, "-n", "2", "--json")
    assert code == 0, err
    assert {entry["recommendedItemId"] for entry in json.loads(out)} == {"a2", "a3"}
    code, out, _ = recsvc(recommend_key, "recommend", "--model", model_id, "--user", "u1", "-n", "3", "--json")
    assert code == 0 and [entry["recommendedItemId"] for entry in json.loads(out)][0].startswith("a")  # u1 used b*


def test_models_list_show_default_and_delete(stack, container_name, tmp_path):
    trained = train_clustered(stack, container_name, tmp_path, "--description", "to keep")
    code, out, err = recsvc(stack, "train", "--container", container_name, "--usage", "usage", "--json")
    assert code == 0, err
    waiting = json.loads(out)
    assert waiting["modelStatus"] == "Created"

    code, out, _ = recsvc(stack, "models", "list", "--json")
    listed = {model["id"]: model for model in json.loads(out)}
    assert {trained["id"], waiting["id"]} <= set(listed)
    code, out, _ = recsvc(stack, "models", "list")
    assert out.splitlines()[0].split() == ["DEFAULT", "ID", "STATUS", "CREATED", "(UTC)", "DESCRIPTION"]

    assert recsvc(stack, "models", "default", trained["id"]) == (0, f"model {trained['id']} is now the default\n", "")
    default_line = next(line for line in recsvc(stack, "models", "list")[1].splitlines() if trained["id"] in line)
    assert default_line.startswith("*")
    code, out, _ = recsvc(stack, "models", "default")
    assert code == 0 and f"id:" in out and trained["id"] in out and "parameters:" in out

    code, out, err = recsvc(stack, "models", "show", trained["id"])
    assert code == 0
    assert "usageEventsParsing:" in out and "successfulLinesCount: 36" in out

    assert recsvc(stack, "models", "delete", trained["id"]) == (0, f"deleted model {trained['id']}\n", "")
    code, out, err = recsvc(stack, "models", "show", trained["id"])
    assert (code, out) == (1, "")
    assert err == f"recsvc: error 404 ModelNotFound: model {trained['id']} does not exist\n"


def test_failed_training_exits_3_with_the_reason(stack, container_name, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("only-one-field\n" * 5)
    assert recsvc(stack, "upload", bad, "--container", container_name)[0] == 0
    code, out, err = recsvc(stack, "train", "--container", container_name, "--usage", "bad.csv", "--wait",
                            "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 3, err
    status, warning = out.splitlines()[-2:]
    assert " Failed: " in status and "bad.csv" in status and "Failed: Failed" not in status
    assert warning == "warning: usage: MissingFields on 5 lines, first at bad.csv line 1"


def test_api_errors_are_one_line_with_the_code(stack):
    cases = [
        ({**stack, "RECSVC_API_KEY": "wrong"}, ["models", "list"], "recsvc: error 401 Unauthorized: "),
        ({**stack, "RECSVC_API_KEY": ""}, ["models", "list"], "(give a key with --key or $RECSVC_API_KEY)"),
        ({**stack, "RECSVC_API_KEY": RECOMMEND_KEY}, ["models", "list"], "recsvc: error 403 Forbidden: "),
        (stack, ["train", "--container", "nope-nope", "--usage", "u.csv", "-p", "supportThreshold=0"],
         "recsvc: error 400 InvalidRequest: "),
        (stack, ["models", "show", "not-a-guid"], "recsvc: error 400 "),
        (stack, ["recommend", "--model", str(uuid.uuid4()), "--item", "x"], "recsvc: error 404 ModelNotFound: "),
        ({**stack, "RECSVC_ENDPOINT": "http://127.0.0.1:9"}, ["models", "list"], "recsvc: cannot reach http://127.0.0.1:9/"),
    ]
    for environ, argv, expected in cases:
        code, out, err = recsvc(environ, *argv)
        assert (code, out) == (1, ""), (argv, err)
        assert expected in err and len(err.splitlines()) == 1, (argv, err)
    assert "supportThreshold" in recsvc(stack, *cases[3][1])[2]  # the field named in the error's details

    # The same through a real process: its stderr holds the one line, no traceback.
    result = subprocess.run([sys.executable, "-m", "cli", "models", "show", str(uuid.uuid4())], env=stack,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("recsvc: error 404 ModelNotFound: ") and len(result.stderr.splitlines()) == 1


def test_local_mistakes_exit_2_without_calling_the_api(stack, tmp_path):
    broken = tmp_path / "events.json"
    broken.write_text("{not json")
    assert recsvc(stack, "recommend", "--events", broken)[0::2] == (2, f"recsvc: {broken} is not valid JSON: "
                                                                        "Expecting property name enclosed in double "
                                                                        "quotes: line 1 column 2 (char 1)\n")
    assert recsvc(stack, "recommend", "--item", "a", "--user", "u")[0] == 2
    assert recsvc(stack, "train", "-p", "supportThreshold")[0] == 2
    no_storage = {key: value for key, value in stack.items() if key != "AZURE_STORAGE_CONNECTION_STRING"}
    code, _, err = recsvc(no_storage, "upload", tmp_path, "--container", "x-data")
    assert code == 2 and "AZURE_STORAGE_CONNECTION_STRING" in err
    assert recsvc(stack, "upload", tmp_path / "absent.csv", "--container", "x-data")[0::2] == (
        1, f"recsvc: {tmp_path / 'absent.csv'}: no such file or folder\n")


def test_models_list_reads_every_page(stack, stack_names, azurite):
    tables = TableServiceClient.from_connection_string(azurite.connection_string)
    registry = TableModelRegistry(tables.get_table_client(stack_names["models_table"]))
    oldest_first = [registry.create(ModelRecord(
        id=str(uuid.uuid4()), description=f"old {number}", creation_time=datetime(2020, 1, 1, tzinfo=timezone.utc)
        + timedelta(minutes=number), status=ModelStatus.FAILED, status_message="registered by the test",
        parameters={})).id for number in range(MODELS_PAST_ONE_PAGE)]
    code, out, err = recsvc(stack, "models", "list", "--json")
    assert code == 0, err
    listed = [model["id"] for model in json.loads(out)]
    assert len(listed) == len(set(listed))  # no model twice across pages
    assert [model_id for model_id in listed if model_id in set(oldest_first)] == oldest_first[::-1]


def test_recsvc_console_script_is_installed():
    script = Path(sys.executable).with_name("recsvc")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert all(command in result.stdout for command in ("upload", "train", "models", "recommend"))


def test_skipped_lines_are_warnings_and_rules_and_scores_reach_the_model(stack, container_name, tmp_path):
    usage = tmp_path / "usage.csv"
    usage.write_bytes(CLUSTERED_USAGE + b"only-one-field\nalso-one\n")
    assert recsvc(stack, "upload", usage, "--container", container_name)[0] == 0
    code, out, err = recsvc(stack, "--url", stack["RECSVC_ENDPOINT"], "train", "--container", container_name,
                            "--usage", "usage.csv", "-p", "supportThreshold=2", "-p",
                            "enableUserToItemRecommendations=true", "--wait", "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 0, err
    model_id = out.split()[2]
    warning = "warning: usage: MissingFields on 2 lines, first at usage.csv line 37"
    assert out.splitlines()[-2:] == [f"model {model_id} Completed: Model training completed successfully", warning]
    assert recsvc(stack, "status", model_id) == (0, out.split("\n", 1)[1], "")
    assert json.loads(recsvc(stack, "--json", "status", model_id)[1])["warnings"] == [warning.removeprefix("warning: ")]

    code, out, err = recsvc(stack, "recommend", "--model", model_id, "--item", "b2", "--exclude", "b1", "-n", "3",
                            "--json")
    assert code == 0, err
    assert [entry["recommendedItemId"] for entry in json.loads(out)][0] == "b3"
    code, out, err = recsvc(stack, "recommend", "--model", model_id, "--user", "u1", "--prefix", "a3", "--json")
    assert code == 0, err
    assert [entry["recommendedItemId"] for entry in json.loads(out)] == ["a3"]

    code, out, err = recsvc({**stack, "RECSVC_API_KEY": RECOMMEND_KEY}, "scores", "--model", model_id,
                            "--item", "a2", "--item", "b1", "--json", "--events", write_events(tmp_path, "a1"))
    assert code == 0, err
    scores = {entry["itemId"]: entry["score"] for entry in json.loads(out)}
    assert scores["a2"] > 0 and scores["b1"] == 0


def write_events(folder: Path, *item_ids) -> Path:
    path = folder / "events.json"
    path.write_text(json.dumps([{"itemId": item_id} for item_id in item_ids]))
    return path


def test_retrain_with_a_policy_and_a_schedule(stack, container_name, tmp_path):
    parent = train_clustered(stack, container_name, tmp_path, "-p", "supportThreshold=2")
    evaluation = tmp_path / "eval.csv"
    evaluation.write_text("".join(f"u{user},{'a' if user % 2 == 0 else 'b'}1\n" for user in range(12)))
    assert recsvc(stack, "upload", evaluation, "--container", container_name)[0] == 0

    code, out, err = recsvc(stack, "retrain", parent["id"], "--metric", "ndcgAt10")
    assert (code, out) == (1, "") and "400 EvaluationRequired" in err
    code, out, err = recsvc(stack, "retrain", parent["id"], "--evaluation", "eval.csv", "--metric", "precisionAt1",
                            "--tolerance", "1", "--wait", "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 0, err
    created, status, lineage, promotion = out.splitlines()
    child_id = created.split()[2].rstrip(",")
    assert created == f"created model {child_id}, a retrain of model {parent['id']}"
    assert status == f"model {child_id} Completed: Model training completed successfully"
    assert lineage == f"retrain of model {parent['id']}"
    assert promotion.startswith(("promotion: promoted: ", "promotion: not promoted: ")) and "precisionAt1" in promotion

    code, out, err = recsvc(stack, "train", "--container", container_name, "--usage", "usage", "--evaluation-usage",
                            "eval.csv", "--metric", "precisionAt1", "--tolerance", "1", "--wait", "--poll-seconds",
                            "0.1", "--timeout", "60")
    assert code == 0, err
    assert out.splitlines()[-1].startswith(("promotion: promoted: ", "promotion: not promoted: "))  # a policy at creation

    code, out, err = recsvc(stack, "schedule", "set", parent["id"], "--cron", "0 3 * * *", "--usage", "usage")
    assert code == 0, err
    assert out.splitlines()[:2] == [f'model {parent["id"]} retrains at "0 3 * * *" (UTC) from usage',
                                    "no promotion policy (AUTO_DEFAULT_MODEL applies)"]
    assert recsvc(stack, "schedule", "show", parent["id"]) == (0, out, "")
    assert recsvc(stack, "schedule", "delete", parent["id"]) == (0, f"deleted the schedule of model {parent['id']}\n", "")
    code, _, err = recsvc(stack, "schedule", "show", parent["id"])
    assert code == 1 and "404 ScheduleNotFound" in err


def test_batch_wait_writes_the_parts_and_batch_status_and_cancel_read_the_job(stack, container_name, tmp_path,
                                                                              azurite):
    model = train_clustered(stack, container_name, tmp_path, "-p", "supportThreshold=2",
                            "-p", "enableUserToItemRecommendations=true")
    users = tmp_path / "users.txt"
    users.write_text("u1\nnobody\n" + "".join(f"u{number}\n" for number in range(2, 12)))
    assert recsvc(stack, "upload", users, "--container", container_name, "--prefix", "lists")[0] == 0
    code, out, err = recsvc(stack, "batch", model["id"], "--container", container_name, "--path", "out/run1",
                            "-n", "2", "--exclude", "a1", "--users-from", "lists/users.txt", "--wait",
                            "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 0, err
    queued, status, counters, output, warning = out.splitlines()
    job_id = queued.split()[3]
    endpoint = stack["RECSVC_ENDPOINT"]
    assert queued == f"queued batch job {job_id} on model {model['id']}: {endpoint}/api/batches/{job_id}"
    assert status == f"batch job {job_id} Completed: 11 users, 3 parts"
    assert counters == f"model {model['id']}: 3 parts written, 11 users scored, 22 rows"
    assert output == f"output: {container_name}/out/run1/part-*.csv"
    assert warning == "warning: user list: UnknownUser on 1 line, first at lists/users.txt line 2"
    assert "Completed" in err.splitlines()[-1]
    container = BlobServiceClient.from_connection_string(azurite.connection_string).get_container_client(container_name)
    parts = [container.download_blob(f"out/run1/part-{index:05d}.csv").readall().decode() for index in range(3)]
    rows = [line.split(",") for part in parts for line in part.splitlines()[1:]]
    assert len(rows) == 22 and rows[0][:3] == ["u1", "1", rows[0][2]] and "a1" not in {row[2] for row in rows}

    assert recsvc(stack, "batch-status", job_id) == (0, out.split("\n", 1)[1], "")
    code, out, err = recsvc(stack, "batch-cancel", job_id)
    assert (code, out) == (1, "") and f"409 JobFinished: batch job {job_id} is Completed" in err


def test_a_failed_batch_job_exits_3_with_its_reason(stack, container_name, tmp_path):
    model = train_clustered(stack, container_name, tmp_path, "-p", "enableUserToItemRecommendations=true")
    users = tmp_path / "users.txt"
    users.write_text(("x" * 300 + "\n") * 101)  # past MAX_PARSING_ERRORS (100): the job fails
    assert recsvc(stack, "upload", users, "--container", container_name)[0] == 0
    code, out, err = recsvc(stack, "batch", model["id"], "--container", container_name, "--path", "out",
                            "--users-from", "users.txt", "--wait", "--poll-seconds", "0.1", "--timeout", "60")
    assert code == 3, err
    assert out.splitlines()[1].endswith(" Failed: more than 100 bad lines in the user list users.txt: UserIdTooLong "
                                        "first at line 1")
    code, _, err = recsvc(stack, "batch", str(uuid.uuid4()), "--container", container_name, "--path", "out")
    assert code == 1 and "404 ModelNotFound" in err
