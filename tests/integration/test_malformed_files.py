"""Malformed input files through the real worker on Azurite: no crash, no model left InProgress.

Every case below gets its own blobs and its own model; all the models are queued at once and one
in-process worker trains them in a single burst. Each must end Completed with the right counts in
its parsing reports, or Failed with a status message that names the reason (and the file and line).

GOOD is 36 valid lines (12 users, 6 items): lines 37 and on are the ones a case appends.
"""
import gzip
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Optional

import pytest
from azure.core.exceptions import ResourceNotFoundError
from usage_data import CLUSTERED_USAGE as GOOD
from worker_harness import create_model, make_worker

from config.settings import Settings
from model_provider import BlobModelStore
from registry import ModelStatus, TableModelRegistry
from storage.clients import StorageClients
from storage.queues import ModelQueues

CATALOG = b"".join(f"{item},Name of {item},category,description,color={color}\n".encode()
                   for item, color in (("a1", "red"), ("a2", "red"), ("a3", "red"),
                                       ("b1", "blue"), ("b2", "blue"), ("b3", "blue")))
COLD = b"a4,Name,c,d,color=red\nb4,Name,c,d,color=blue\n"
GOOD_LINES = GOOD.splitlines(keepends=True)


def lines(*rows: str, encoding: str = "utf-8") -> bytes:
    return "".join(row + "\n" for row in rows).encode(encoding)


@dataclass
class Case:
    """Blobs for one model, its extra parameters, and what must come out."""

    name: str
    usage: dict  # blob path under the case's folder -> bytes; the model reads the folder "usage"
    status: ModelStatus
    errors: Optional[dict] = None  # usage report: reason -> (count, file, line), exactly
    says: tuple = ()  # words the status message must hold (a Failed model's reason)
    users: Optional[int] = None
    items: Optional[int] = None
    parameters: dict = field(default_factory=dict)
    extra_blobs: dict = field(default_factory=dict)  # other blobs (catalog, evaluation) by path
    check: Optional[Callable] = None  # more assertions on the statistics


def completed(name, usage, errors=None, users=12, items=6, **more) -> Case:
    return Case(name, usage if isinstance(usage, dict) else {"u.csv": usage}, ModelStatus.COMPLETED,
                errors=errors or {}, users=users, items=items, **more)


def failed(name, usage, *says, **more) -> Case:
    return Case(name, usage if isinstance(usage, dict) else {"u.csv": usage}, ModelStatus.FAILED, says=says, **more)


def report_errors(report: dict, entries: str = "errors") -> dict:
    """'error' (or 'error/reason' where a finer reason stands beside it) -> (count, file, line); or the warnings."""
    return {"/".join(filter(None, (entry.get("error"), entry.get("reason")))): (
        entry["count"], entry["sample"]["file"], entry["sample"]["line"]) for entry in report[entries]}


def usage_warnings(expected):
    return lambda statistics: report_errors(statistics["usageEventsParsing"], "warnings") == expected


def catalog_case(name, catalog: bytes, status=ModelStatus.COMPLETED, usage=GOOD, check=None, cold=False,
                 says=(), errors=None, **more) -> Case:
    parameters = {"catalogFileRelativePath": "catalog.csv", "enableColdItemPlacement": cold}
    return Case(name, {"u.csv": usage}, status, parameters=parameters, extra_blobs={"catalog.csv": catalog},
                check=check, says=says, errors=errors or {}, **more)


def evaluation_case(name, evaluation: Optional[bytes], check) -> Case:
    blobs = {} if evaluation is None else {"evaluation/e.csv": evaluation}
    return completed(name, GOOD, parameters={"evaluationUsageRelativePath": "evaluation"}, extra_blobs=blobs,
                     check=check)


def u(path="u.csv"):
    return f"usage/{path}"


def catalog_errors(expected):
    return lambda statistics: report_errors(statistics["catalogParsing"]) == expected


def evaluation_skipped(*says):
    def check(statistics):
        block = statistics["evaluation"]
        return block.get("metrics") is None and all(word in block["skipReason"] for word in says)
    return check


RANDOM_BYTES = random.Random(5).randbytes(4096)

CASES = [
    # --- truncated, missing and extra fields
    completed("truncated last line, no newline", GOOD + b"u99,a1,2024-01-0", {"BadTimestampFormat": (1, u(), 37)}),
    completed("truncated to one field", GOOD + lines("u99"), {"MissingFields": (1, u(), 37)}),
    completed("empty user id", GOOD + lines(",a1"), {"MissingFields": (1, u(), 37)}),
    completed("only commas and spaces: a blank line", GOOD + lines(",,,,", " , ")),
    completed("six fields", GOOD + lines("u1,a1,,,,x"), {"MalformedLine": (1, u(), 37)}),
    completed("twenty fields", GOOD + lines("u1,a1" + ",x" * 18), {"MalformedLine": (1, u(), 37)}),
    completed("a header line", lines("userId,itemId,timestamp") + GOOD, {"BadTimestampFormat": (1, u(), 1)}),
    # --- dates, event types, weights
    completed("bad dates", GOOD + lines("u1,a1,2024-02-30T00:00:00", "u1,a1,30/03/2017", "u1,a1,yesterday"),
              {"BadTimestampFormat": (3, u(), 37)}),
    completed("year 10000", GOOD + lines("u1,a1,10000-01-01T00:00:00"), {"BadTimestampFormat": (1, u(), 37)}),
    completed("dates in the .NET en-US forms", GOOD + lines("u1,a1,3/30/2017 1:34:12 PM", "u1,a1,3/30/2017",
                                                             "u1,a1,2017/03/30T13:34:12", "u1,a1,3/30/2017 13:34")),
    completed("unknown event type: kept, a warning", GOOD + lines("u1,a1,,Like", "u1,a2,,purchase"),
              check=usage_warnings({"UnknownEventType": (1, u(), 37)})),
    completed("bad weights: kept, warnings", GOOD + lines("u1,a1,,,heavy", "u1,a1,,,nan", "u1,a1,,Click,inf",
                                                          "u1,a1,,,-2.5"),
              check=usage_warnings({"BadWeightFormat": (3, u(), 37)})),
    # --- bytes that are not what they should be
    completed("NUL in a user id", GOOD + b"u\x009,a1\n", {"IllegalCharactersInUserId": (1, u(), 37)}),
    completed("NUL in an item id", GOOD + b"u9,a\x001\n", {"IllegalCharactersInItemId": (1, u(), 37)}),
    completed("bell character in a user id", GOOD + b"u\x079,a1\n", {"IllegalCharactersInUserId": (1, u(), 37)}),
    failed("only NUL bytes", b"\x00" * 1024, "no valid line", "MissingFields", "usage/u.csv line 1"),
    completed("latin-1 bytes", GOOD + lines("u\u00e9,a1", "u\u00fc,a2", encoding="latin-1"),
              {"MalformedLine/InvalidUtf8": (2, u(), 37)}),
    failed("UTF-16 file", GOOD.decode().encode("utf-16"), "usage/u.csv is UTF-16"),
    failed("UTF-32 file", GOOD.decode().encode("utf-32"), "usage/u.csv is UTF-16 or UTF-32"),
    failed("gzip file", gzip.compress(GOOD, mtime=0), "usage/u.csv"),
    failed("random bytes", RANDOM_BYTES, "usage/u.csv"),
    completed("BOM and CRLF", b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n")),
    completed("CR, LF and CRLF mixed", GOOD[:200].replace(b"\n", b"\r") + GOOD[200:400].replace(b"\n", b"\r\n")
              + GOOD[400:]),
    completed("spaces, tabs and no-break spaces around fields", GOOD.replace(b",", b" ,\t").replace(
        b"\n", "\u00a0\n".encode())),
    failed("tab-separated", GOOD.replace(b",", b"\t"), "MissingFields"),
    failed("semicolon-separated", GOOD.replace(b",", b";"), "MissingFields"),
    # --- sizes
    completed("10 MB single line item id", GOOD + b"u9," + b"x" * 10_000_000 + b"\n", {"ItemIdTooLong": (1, u(), 37)}),
    completed("a line of a million commas", GOOD + b"u9" + b"," * 1_000_000 + b"\n", {"MalformedLine": (1, u(), 37)}),
    failed("10 MB without a newline", b"y" * 10_000_000, "MissingFields", "usage/u.csv line 1"),
    completed("huge ids", GOOD + lines("u" * 256 + ",a1", "u9," + "i" * 451, "u" * 100_000 + ",a1"),
              {"UserIdTooLong": (2, u(), 37), "ItemIdTooLong": (1, u(), 38)}),
    completed("ids at their limits", GOOD + lines("v" * 255 + ",a1", "u9," + "a" * 450), users=13, items=7),
    # --- quoting
    completed("quoted newline before a bad line", lines('"u\n0",a1') + GOOD + lines("u9"),
              {"MissingFields": (1, u(), 39)}, users=13),
    completed("unterminated quote", GOOD + lines('"u9,a1', "u10,a1"), {"MalformedLine": (1, u(), 37)}),
    completed("quoted fields with commas and quotes", GOOD + lines('"u,9","a""1"'), users=13, items=7),
    # --- empty things and folders
    failed("empty file", b"", "hold no line of data", "usage/u.csv: empty"),
    failed("blank lines only", b"\n \r\n\t\n", "hold no line of data"),
    failed("empty folder", {}, "no usage blob"),
    completed("an empty file among good ones", {"a.csv": b"", "b.csv": GOOD}),
    completed("bad lines counted across files in name order",
              {"b.csv": b"".join(GOOD_LINES[:18]) + lines("x"), "a.csv": b"".join(GOOD_LINES[18:]) + lines("y")},
              {"MissingFields": (2, u("a.csv"), 19)}),
    # --- the tolerance
    completed("100 bad lines", GOOD + lines(*["bad"] * 100), {"MissingFields": (100, u(), 37)}),
    failed("101 bad lines", GOOD + lines(*["bad"] * 101), "more than 100 bad lines", "MissingFields (101 lines",
           "usage/u.csv line 37"),
    failed("101 bad lines over two files", {"a.csv": GOOD + lines(*["bad"] * 60), "b.csv": lines(*["u,i,no"] * 41)},
           "MissingFields (60 lines, first in usage/a.csv line 37)",
           "BadTimestampFormat (41 lines, first in usage/b.csv line 1)"),
    # --- catalogs
    catalog_case("catalog with a duplicate id", CATALOG + lines("a1,Again,c,d,color=green"),
                 check=catalog_errors({"DuplicateItemId": (1, "catalog.csv", 7)}), users=12, items=6),
    catalog_case("catalog with malformed features", CATALOG + lines("c1,Name,c,d,color", "c2,Name,c,d,a=b=c"),
                 check=catalog_errors({"MalformedCatalogItemFeature": (2, "catalog.csv", 7)}), users=12, items=6),
    # issue 18: without cold placement the catalog only supplies categories; with it, it is the item set
    catalog_case("usage items missing from the catalog, cold placement", CATALOG, cold=True,
                 usage=GOOD + lines("u1,zz1", "u2,zz2"), errors={"UnknownItemId": (2, u(), 37)}, users=12, items=6),
    catalog_case("usage items missing from the catalog kept without cold placement", CATALOG,
                 usage=GOOD + lines("u1,zz1", "u2,zz2"), users=12, items=8,
                 check=lambda s: s["numberOfCatalogItems"] == 6 and s["catalogCoverage"] == 1.0),
    catalog_case("no usage item in the catalog, cold placement", lines("other,Name"), cold=True,
                 status=ModelStatus.FAILED, says=("no valid line in the usage files", "UnknownItemId (36 lines")),
    catalog_case("no usage item in the catalog, without cold placement", lines("other,Name"), users=12, items=6,
                 check=lambda s: s["numberOfCatalogItems"] == 1 and s["catalogCoverage"] == 0.0),
    catalog_case("empty catalog", b"", status=ModelStatus.FAILED, says=("catalog files hold no line",)),
    catalog_case("UTF-16 catalog", CATALOG.decode().encode("utf-16"), status=ModelStatus.FAILED,
                 says=("catalog.csv is UTF-16",)),
    catalog_case("catalog past the tolerance", CATALOG + lines(*["x"] * 101), status=ModelStatus.FAILED,
                 says=("more than 100 bad lines in the catalog files", "MissingFields (101 lines")),
    catalog_case("cold items placed from a good catalog", CATALOG + COLD, cold=True, users=12, items=6,
                 check=lambda s: s["numberOfColdItems"] == 2 and s["catalogFeatureWeights"]["color"] > 0
                 and s["numberOfCatalogItems"] == 8 and s["catalogCoverage"] == 0.75),
    catalog_case("cold placement with a catalog without features", lines(*(f"{i},Name" for i in
                 ("a1", "a2", "a3", "b1", "b2", "b3", "a4"))), cold=True, users=12, items=6,
                 check=lambda s: s["numberOfColdItems"] == 0 and s["catalogFeatureWeights"] == {}),
    # --- evaluation files: a bad one skips evaluation only
    evaluation_case("evaluation past the tolerance", lines(*["bad"] * 101),
                    evaluation_skipped("more than 100 bad lines in the evaluation usage files")),
    evaluation_case("empty evaluation file", b"", evaluation_skipped("hold no line of data")),
    evaluation_case("missing evaluation folder", None, evaluation_skipped("no evaluation blob")),
    evaluation_case("evaluation users without training events", lines("stranger,a1"),
                    evaluation_skipped("no user of the evaluation files has training events")),
    evaluation_case("evaluation with some bad lines", lines("u0,a1", "u1,b1", "u2", "u3,a1,never"),
                    lambda s: report_errors(s["evaluation"]["usageEventsParsing"]) == {
                        "MissingFields": (1, "evaluation/e.csv", 3), "BadTimestampFormat": (1, "evaluation/e.csv", 4)}
                    and s["evaluation"]["metrics"]["precisionMetrics"][0]["usersInTest"] == 2),
]


@pytest.fixture(scope="module")
def outcomes(azurite):
    """Upload every case, queue every model, run one worker burst; case name -> final record."""
    suffix = uuid.uuid4().hex[:10]
    settings = Settings.from_environ({
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string, "QUEUE_POLL_SECONDS": "0.05",
        "ADMIN_PRIMARY_KEY": "unused-admin-key-0001", "MODELS_TABLE": f"malformed{suffix}", "MODELS_CONTAINER": f"models-{suffix}",
        "TRAIN_QUEUE": f"train-{suffix}", "DELETE_QUEUE": f"delete-{suffix}"})
    storage = StorageClients.from_settings(settings)
    storage.ensure_resources(settings)
    registry = TableModelRegistry(storage.tables.get_table_client(settings.models_table))
    store = BlobModelStore(storage.blobs.get_container_client(settings.models_container))
    queues = ModelQueues(storage.queues, settings)
    containers = []
    try:
        model_ids = {}
        for case in CASES:
            container = storage.blobs.create_container(f"case-{uuid.uuid4().hex[:16]}")
            containers.append(container)
            for path, content in case.usage.items():
                container.upload_blob(f"usage/{path}", content)
            for path, content in case.extra_blobs.items():
                container.upload_blob(path, content)
            model_ids[case.name] = create_model(registry, queues, container.container_name, "usage",
                                                **case.parameters)
        started = time.perf_counter()
        make_worker(settings, storage, registry, store).work(burst=True)
        print(f"worker burst: {time.perf_counter() - started:.1f} s for {len(CASES)} models")
        yield {name: registry.get(model_id) for name, model_id in model_ids.items()}
    finally:
        for container in containers:
            container.delete_container()
        storage.tables.delete_table(settings.models_table)
        for queue in (settings.train_queue, settings.delete_queue, settings.train_poison_queue,
                      settings.delete_poison_queue):
            try:
                storage.queues.delete_queue(queue)
            except ResourceNotFoundError:
                pass
        storage.blobs.delete_container(settings.models_container)


def test_the_suite_is_large_enough():
    assert len(CASES) >= 40 and len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_file_ends_completed_with_its_counts_or_failed_with_its_reason(outcomes, case):
    record = outcomes[case.name]
    assert record.status == case.status, record.status_message
    for words in case.says:
        assert words in record.status_message
    statistics = record.statistics or {}
    if case.status == ModelStatus.COMPLETED:
        assert report_errors(statistics["usageEventsParsing"]) == case.errors
        assert (statistics["numberOfUsers"], statistics["numberOfUsageItems"]) == (case.users, case.items)
        assert statistics["totalDuration"] >= statistics["trainingDuration"] > 0
    if case.check is not None:
        assert case.check(statistics), statistics
