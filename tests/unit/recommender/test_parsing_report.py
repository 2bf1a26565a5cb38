"""The parsing report as the original's clients read it: `error` only ever holds a value of its enum.

Its generated C# client fails on an unknown enum value and ignores unknown properties: our finer
reasons go in `reason`, warnings about kept lines in `warnings`.
"""
import pandas as pd
import pytest

from recommender.parsing import parse_usage_files
from recommender.parsing_reasons import Reason, Severity
from recommender.parsing_report import ParsingReport

# Common/Api/LineParsingError.cs of microsoft/Product-Recommendations: copied here, not imported,
# so that widening the module's list cannot pass unnoticed.
ORIGINAL_ENUM = {
    "MalformedLine", "MissingFields", "BadTimestampFormat", "BadWeightFormat", "MalformedCatalogItemFeature",
    "ItemIdTooLong", "IllegalCharactersInItemId", "UserIdTooLong", "IllegalCharactersInUserId", "UnknownItemId",
    "DuplicateItemId",
}


@pytest.mark.parametrize("reason", list(Reason), ids=[reason.value for reason in Reason])
def test_every_reason_shows_as_a_value_of_the_original_enum_or_as_a_warning(reason):
    report = ParsingReport()
    report.add(reason, "usage/a.csv", [9, 4])
    shown = report.as_dict()
    if reason.severity is Severity.KEPT:
        assert shown["errors"] == []
        assert shown["warnings"] == [{"reason": reason.value, "count": 2, "sample": {"file": "usage/a.csv", "line": 4}}]
        assert report.error_count() == 0
    else:
        [entry] = shown["errors"]
        assert entry["error"] in ORIGINAL_ENUM and shown["warnings"] == []
        assert entry.get("reason", entry["error"]) == reason.value  # ours beside it, only when finer
        assert (entry["count"], entry["sample"]) == (2, {"file": "usage/a.csv", "line": 4})
        assert report.error_count() == (2 if reason.severity is Severity.ERROR else 0)


def test_a_reason_outside_the_set_is_refused():
    with pytest.raises(ValueError):
        ParsingReport().add("SomethingNew", "a.csv", [1])


def test_a_finer_reason_is_an_entry_of_its_own_beside_the_original_value():
    report = ParsingReport()
    report.add(Reason.MALFORMED_LINE, "a.csv", [3])
    report.add(Reason.INVALID_UTF8, "a.csv", [5, 6])
    assert report.as_dict()["errors"] == [
        {"error": "MalformedLine", "count": 1, "sample": {"file": "a.csv", "line": 3}},
        {"error": "MalformedLine", "reason": "InvalidUtf8", "count": 2, "sample": {"file": "a.csv", "line": 5}},
    ]


def test_the_original_clients_line_counts_still_add_up():
    # Lines kept with a warning are successful lines: successful + errors' counts = total, as before.
    content = b"u1,i1,,Like\nu2\nu3,i3,,Click,heavy\nu4,caf\xe9\nu5,i5,yesterday\nu6,zz\n"
    _, report = parse_usage_files([("a.csv", content)], known_items=pd.Index(["i1", "i3"]))
    shown = report.as_dict()
    assert {entry["error"] for entry in shown["errors"]} <= ORIGINAL_ENUM
    assert shown["successfulLinesCount"] + sum(entry["count"] for entry in shown["errors"]) == shown["totalLinesCount"]
    assert (shown["successfulLinesCount"], shown["totalLinesCount"], len(shown["warnings"])) == (2, 6, 2)
