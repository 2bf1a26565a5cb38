"""parse_usage_files on small byte strings: lines in, events and a report out.

Format: ``userId,itemId[,timestamp[,eventType[,weight]]]``, no header. Line
numbers in the report are 1-based physical lines of each file, blank lines included.
"""
import weakref
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from recommender import TooManyParsingErrorsError, parsing
from recommender.csv_reader import UnreadableFileError
from recommender.parsing import describe_no_events, parse_usage_files
from timestamp_forms import REFUSED_TIMESTAMPS, TIMESTAMP_FORMS, utc_seconds

NEW_YEAR_2024 = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp()


def parse(content: bytes, max_errors: int = 100):
    """Parse one file named 'usage.csv'."""
    return parse_usage_files([("usage.csv", content)], max_errors=max_errors)


def errors_of(report, table: str = "errors") -> dict:
    """reason -> (count, file, first line) of report.errors (or report.warnings)."""
    return {reason: tuple(entry) for reason, entry in getattr(report, table).items()}


def lines(*rows: str) -> bytes:
    return "".join(row + "\n" for row in rows).encode("utf-8")


# --- reading ---------------------------------------------------------------------------------


def test_bom_crlf_blank_lines_quoting_and_trimming():
    content = (
        b"\xef\xbb\xbfu1,i1\r\n"                            # BOM before the first field
        b"\r\n"                                               # blank line
        b"  u2 ,  i2  \r\n"                                   # spaces around fields
        b"   \r\n"                                            # only spaces: blank once trimmed
        b'"u,3","item ""x""",2024-01-01T00:00:00Z\r\n'        # quoted comma, doubled quotes
    )
    events, report = parse(content)
    assert events["user_id"].tolist() == ["u1", "u2", "u,3"]
    assert events["item_id"].tolist() == ["i1", "i2", 'item "x"']
    assert events["timestamp"].iloc[2] == NEW_YEAR_2024
    assert report.errors == {}
    assert (report.successful_lines, report.total_lines) == (3, 3)  # blank lines are not lines of data


def test_timestamps_are_utc_with_or_without_z():
    events, report = parse(lines(
        "a,i,2024-01-01T00:00:00Z",
        "b,i,2024-01-01T00:00:00",          # no zone: UTC
        "c,i,2024-01-01T02:30:00+02:00",    # an offset: 00:30 UTC
        "d,i,2024-01-01T00:00:00.25Z",
        "e,i,",                             # no timestamp
    ))
    assert report.errors == {}
    np.testing.assert_allclose(  # float seconds near 1.7e9 hold about a microsecond
        events["timestamp"].to_numpy(),
        [NEW_YEAR_2024, NEW_YEAR_2024, NEW_YEAR_2024 + 30 * 60, NEW_YEAR_2024 + 0.25, np.nan],
        rtol=0, atol=1e-6,
    )


def test_timestamps_outside_the_nanosecond_range_are_never_shifted():
    # datetime64[ns] ends in 2262. Such a line may be refused (BadTimestampFormat, as
    # pandas 2 does) but, if kept, must keep its instant: pandas 3 parses these with
    # a coarser unit, and a cast to ns used to wrap 9999-12-31 round to 1816.
    expected = {
        "late": datetime(2300, 1, 1, tzinfo=timezone.utc).timestamp(),
        "last": datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp(),
        "early": datetime(1600, 1, 1, tzinfo=timezone.utc).timestamp(),
    }
    events, report = parse(lines("late,i,2300-01-01T00:00:00Z", "last,i,9999-12-31T23:59:59Z",
                                 "early,i,1600-01-01T00:00:00Z"))
    kept = dict(zip(events["user_id"], events["timestamp"]))
    for user, seconds in expected.items():
        assert kept.get(user, "refused") in (seconds, "refused")
    refused = len(expected) - len(kept)
    assert errors_of(report).get("BadTimestampFormat", (0,))[0] == refused


@pytest.mark.parametrize("text", TIMESTAMP_FORMS)
def test_each_timestamp_form_of_the_original_alone_in_a_file(text):
    events, report = parse(lines(f"u1,i1,{text}", f"u2,i2, {text} "))
    assert report.errors == {}
    np.testing.assert_allclose(events["timestamp"].to_numpy(), [utc_seconds(*TIMESTAMP_FORMS[text])] * 2,
                               rtol=0, atol=1e-6)


def test_timestamp_forms_mixed_in_one_chunk_each_keep_their_instant():
    forms = list(TIMESTAMP_FORMS)
    events, report = parse(lines("u0,i0", *(f"u{n},i,{text}" for n, text in enumerate(forms, 1))))
    assert report.errors == {}
    np.testing.assert_allclose(events["timestamp"].to_numpy(),
                               [np.nan] + [utc_seconds(*TIMESTAMP_FORMS[text]) for text in forms], rtol=0, atol=1e-6)


@pytest.mark.parametrize("first", ["2017-03-30T13:34:12Z", "3/30/2017 1:34:12 PM", "3/30/2017"])
def test_refused_timestamps_are_bad_lines_with_their_own_line_numbers(first):
    events, report = parse(lines(f"u0,i0,{first}", *(f"u,i,{text}" for text in REFUSED_TIMESTAMPS), "u9,i9," + first))
    assert errors_of(report) == {"BadTimestampFormat": (len(REFUSED_TIMESTAMPS), "usage.csv", 2)}
    assert events["user_id"].tolist() == ["u0", "u9"]


def test_event_types_are_read_in_any_case():
    events, report = parse(lines("u,i,,purchase", "u,i,,PURCHASE", "u,i,,addShopCart", "u,i,,Click", "u,i,,click"))
    assert report.errors == {} and report.warnings == {}
    assert events["weight"].tolist() == [4, 4, 3, 1, 1]


def test_unusable_event_types_and_weights_keep_their_line_with_weight_1_as_warnings():
    content = lines("u1,i1,,Like", "u2,i2,,Purchase,heavy", "u3,i3,,,nan", "u4,i4,,Like,2.5", "u5,i5,,,-inf")
    events, report = parse(content, max_errors=0)  # no error allowed: warnings never count
    assert events["weight"].tolist() == [1, 1, 1, 2.5, 1]  # a valid explicit weight still wins
    assert report.errors == {} and report.error_count() == 0
    assert errors_of(report, "warnings") == {"UnknownEventType": (2, "usage.csv", 1),
                                             "BadWeightFormat": (3, "usage.csv", 2)}
    assert (report.successful_lines, report.total_lines) == (5, 5)


def test_a_refused_line_gives_no_warning():
    _, report = parse(lines("u1,i1,yesterday,Like,heavy", "u2"))
    assert set(report.errors) == {"BadTimestampFormat", "MissingFields"} and report.warnings == {}


def test_event_type_default_weights_and_explicit_weight_wins():
    events, report = parse(lines(
        "u,i,,Click",            # 1
        "u,i,,RecommendationClick",  # 2
        "u,i,,AddShopCart",      # 3
        "u,i,,RemoveShopCart",   # -1
        "u,i,,Purchase",         # 4
        "u,i,,Custom",           # 1
        "u,i,,",                 # no type: 1
        "u,i,,Purchase,0.5",     # explicit weight wins over Purchase's 4
        "u,i,,,2.5",             # explicit weight, no type
        "u,i,,RemoveShopCart,-3",
    ))
    assert report.errors == {}
    assert events["weight"].tolist() == [1, 2, 3, -1, 4, 1, 1, 0.5, 2.5, -3]


# --- bad lines -------------------------------------------------------------------------------


def test_each_error_reason_with_its_count_and_first_line():
    content = lines(
        "u1,i1,2024-01-01T00:00:00Z,Click,1",   # 1 good
        "",                                     # 2 blank
        "u3,i3,,,,extra",                       # 3 MalformedLine (a sixth field)
        "u4",                                   # 4 MissingFields
        ",i5",                                  # 5 MissingFields
        "u6,i6,not-a-date",                     # 6 BadTimestampFormat
        "u7," + "x" * 451,                      # 7 ItemIdTooLong (limit 450)
        "u" * 256 + ",i8",                      # 8 UserIdTooLong (limit 255)
        "u\x019,i9",                            # 9 IllegalCharactersInUserId
        "u10,i\x0710",                          # 10 IllegalCharactersInItemId
        "u11,i11,,Bogus",                       # 11 kept: an UnknownEventType warning
        "u12,i12,,Click,heavy",                 # 12 kept: a BadWeightFormat warning
        "u13,i13,,,,,too,many",                 # 13 MalformedLine (eight fields)
        "u14,i14,2024-13-01T00:00:00Z",         # 14 BadTimestampFormat (month 13)
        "u15,i15,,,inf",                        # 15 kept: a BadWeightFormat warning (not finite)
        "u16,i16",                              # 16 good
        "u17," + "x" * 450,                     # 17 good: at the limit
        "u" * 255 + ",i18",                     # 18 good: at the limit
    )
    events, report = parse(content)
    assert errors_of(report) == {
        "MalformedLine": (2, "usage.csv", 3),
        "MissingFields": (2, "usage.csv", 4),
        "BadTimestampFormat": (2, "usage.csv", 6),
        "ItemIdTooLong": (1, "usage.csv", 7),
        "UserIdTooLong": (1, "usage.csv", 8),
        "IllegalCharactersInUserId": (1, "usage.csv", 9),
        "IllegalCharactersInItemId": (1, "usage.csv", 10),
    }
    assert errors_of(report, "warnings") == {"UnknownEventType": (1, "usage.csv", 11),
                                             "BadWeightFormat": (2, "usage.csv", 12)}
    assert events["user_id"].tolist() == ["u1", "u11", "u12", "u15", "u16", "u17", "u" * 255]
    assert events["weight"].tolist()[1:4] == [1, 1, 1]
    assert (report.successful_lines, report.total_lines) == (7, 17)  # 18 lines, one blank
    assert report.error_count() == 10


@pytest.mark.parametrize("line, reason", [
    (",i,not-a-date", "MissingFields"),            # before the timestamp check
    ("u,i,not-a-date,Bogus,x", "BadTimestampFormat"),
    ("u" * 256 + ",i,yesterday", "BadTimestampFormat"),  # before the id lengths, as in the original
])
def test_the_first_failing_check_names_the_error(line, reason):
    _, report = parse(lines(line))
    assert errors_of(report) == {reason: (1, "usage.csv", 1)}


@pytest.mark.parametrize("first_line", ["u1,i1,,,,,x", "u1,i1,,,,,x,y"])
def test_a_long_first_line_is_malformed_and_shifts_nothing(first_line):
    # pandas takes surplus fields on the first line for an index, which moved every
    # column of the file one or more places to the left.
    events, report = parse(lines(first_line, "u2,i2,2024-01-01T00:00:00Z", "u3,i3,,Purchase"))
    assert errors_of(report) == {"MalformedLine": (1, "usage.csv", 1)}
    assert events["user_id"].tolist() == ["u2", "u3"]
    assert events["item_id"].tolist() == ["i2", "i3"]
    np.testing.assert_array_equal(events["timestamp"].to_numpy(), [NEW_YEAR_2024, np.nan])
    assert events["weight"].tolist() == [1, 4]


# --- tolerance -------------------------------------------------------------------------------


def test_bad_lines_up_to_the_tolerance_are_counted_not_fatal():
    events, report = parse(lines("u1,i1", "u2", "u3,i3,bad-date", "u4,i4"), max_errors=2)
    assert events["user_id"].tolist() == ["u1", "u4"]
    assert report.error_count() == 2


def test_one_bad_line_past_the_tolerance_raises_with_the_report():
    with pytest.raises(TooManyParsingErrorsError) as raised:
        parse(lines("u1,i1", "u2", "u3,i3,bad-date", ",i4", "u5,i5"), max_errors=2)
    assert errors_of(raised.value.report) == {
        "MissingFields": (2, "usage.csv", 2),
        "BadTimestampFormat": (1, "usage.csv", 3),
    }
    assert "MissingFields" in str(raised.value)  # the most frequent reason is named


# --- several files ---------------------------------------------------------------------------


def test_files_keep_their_own_line_numbers_and_counts_add_up():
    files = [
        ("a.csv", lines("u1,i1", "u2", "u3,i3")),
        ("b.csv", lines("", ",i4", "u5,i5,,Bogus", "u6,i6")),
    ]
    events, report = parse_usage_files(files)
    assert errors_of(report) == {"MissingFields": (2, "a.csv", 2)}  # first seen in a.csv; b.csv line 2 adds
    assert errors_of(report, "warnings") == {"UnknownEventType": (1, "b.csv", 3)}  # b.csv's own line number
    assert events["user_id"].tolist() == ["u1", "u3", "u5", "u6"]
    assert (report.successful_lines, report.total_lines) == (4, 6)


def test_tolerance_counts_across_files():
    files = [("a.csv", lines("u1", "u2")), ("b.csv", lines("u3,i3,never"))]
    with pytest.raises(TooManyParsingErrorsError) as raised:
        parse_usage_files(files, max_errors=2)
    assert errors_of(raised.value.report) == {
        "MissingFields": (2, "a.csv", 1),
        "BadTimestampFormat": (1, "b.csv", 1),
    }


# --- what pandas left to us: lines, encodings, odd bytes --------------------------------------


def test_a_nul_byte_is_an_illegal_character_not_a_replacement():
    # It used to become U+FFFD and the event trained under an altered id.
    _, report = parse(lines("u\x001,i1", "u2,i\x002", "u3,i3,2024-01-01T00:00:00\x00Z", "u4,i4"))
    assert errors_of(report) == {
        "IllegalCharactersInUserId": (1, "usage.csv", 1),
        "IllegalCharactersInItemId": (1, "usage.csv", 2),
        "BadTimestampFormat": (1, "usage.csv", 3),
    }


def test_a_quoted_newline_does_not_shift_later_line_numbers():
    # It used to: pandas counts records, and the report named the line before the bad one.
    content = lines('u1,"item', 'one"', "u2,i2", '"user', '', 'three",i3', "u4", "u5,i5,,,,,x,y", "u6,i6,never")
    events, report = parse(content)
    assert events["item_id"].tolist() == ["item\none", "i2", "i3"]
    assert errors_of(report) == {
        "MissingFields": (1, "usage.csv", 7),
        "MalformedLine": (1, "usage.csv", 8),
        "BadTimestampFormat": (1, "usage.csv", 9),
    }


def test_line_numbers_hold_across_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(parsing, "USAGE_CHUNK_ROWS", 2)
    rows = ["u1,i1", '"u\n2",i2', "bad", "u4,i4,,,,,x,y", "u5,i5", '"u\n\n6",i6', "u7,i7", "u8,i8,,,,,,,,", "late"]
    events, report = parse(lines(*rows))
    assert events["user_id"].tolist() == ["u1", "u\n2", "u5", "u\n\n6", "u7"]
    assert errors_of(report) == {"MissingFields": (2, "usage.csv", 4), "MalformedLine": (2, "usage.csv", 5)}
    _, report = parse(lines(*rows, "u,i,,,,,,,,"))  # a bad line after the last good one is still counted
    assert report.errors["MalformedLine"][0] == 3


def test_bytes_that_are_not_utf8_are_reported_not_replaced():
    events, report = parse("u1,caf\u00e9\n".encode("utf-8") + "u2,caf\u00e9\n".encode("latin-1") + b"u3,i3\n")
    assert events["item_id"].tolist() == ["caf\u00e9", "i3"]
    assert errors_of(report) == {"InvalidUtf8": (1, "usage.csv", 2)}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_or_utf32_file_is_refused_by_name(encoding):
    with pytest.raises(UnreadableFileError, match="usage.csv is UTF-16 or UTF-32"):
        parse("u1,i1\n".encode(encoding))


def test_an_unterminated_quote_is_one_malformed_line_and_what_precedes_it_is_kept(monkeypatch):
    monkeypatch.setattr(parsing, "USAGE_CHUNK_ROWS", 2)  # the quote opens in a later chunk than the first
    events, report = parse(lines("u1,i1", '"u\n2",i2', "u3,i3", "u4,i4", '"u5,i5', "u6,i6"))
    assert events["user_id"].tolist() == ["u1", "u\n2", "u3", "u4"]
    assert errors_of(report) == {"MalformedLine": (1, "usage.csv", 6)}


def test_whitespace_is_trimmed_at_the_edges_only():
    events, report = parse("\tu 1 ,\u00a0i1\u3000, 2024-01-01T00:00:00Z ,\tPurchase\n".encode("utf-8"))
    assert report.errors == {}
    assert (events["user_id"].iloc[0], events["item_id"].iloc[0], events["weight"].iloc[0]) == ("u 1", "i1", 4)


def test_an_empty_file_is_named_and_gives_no_event():
    events, report = parse_usage_files([("a.csv", b""), ("b.csv", b"\xef\xbb\xbf\r\n\r\n")])
    assert events.empty and report.total_lines == 0
    assert report.empty_files == ["a.csv", "b.csv"]
    assert describe_no_events(report, "usage files") == "the usage files hold no line of data (a.csv, b.csv: empty)"


def test_no_valid_line_names_the_errors_with_file_and_line():
    _, report = parse(lines("", "u1", "u2,i2,yesterday"))
    assert describe_no_events(report, "usage files") == (
        "no valid line in the usage files: MissingFields (1 line, first in usage.csv line 2); "
        "BadTimestampFormat (1 line, first in usage.csv line 3)")


def test_items_missing_from_the_catalog_are_warnings_beyond_the_tolerance():
    content = lines(*(f"u{n},unknown{n}" for n in range(5)), "u9,known", "u10")
    events, report = parse_usage_files([("usage.csv", content)], max_errors=1, known_items=pd.Index(["known"]))
    assert events["item_id"].tolist() == ["known"]
    assert errors_of(report) == {"UnknownItemId": (5, "usage.csv", 1), "MissingFields": (1, "usage.csv", 7)}
    assert report.error_count() == 1


def test_files_are_read_one_at_a_time_from_a_generator():
    asked = []

    def files():
        for name in ("a.csv", "b.csv"):
            asked.append(name)
            yield name, lines("u1,i1", "u2,i2")

    seen = []
    parse_usage_files(files(), progress=lambda name, read: seen.append((tuple(asked), name, read)))
    assert seen == [(("a.csv",), "a.csv", 2), (("a.csv", "b.csv"), "b.csv", 4)]


def test_ids_come_back_categorical_in_order_of_first_appearance(monkeypatch):
    monkeypatch.setattr(parsing, "USAGE_CHUNK_ROWS", 2)  # ids repeat across chunks and files
    files = [("a.csv", lines("u2,i9", "u1,i9", "u2,i1")), ("b.csv", lines("u3,i1", "u1,i7"))]
    events, _ = parse_usage_files(files)
    assert isinstance(events["user_id"].dtype, pd.CategoricalDtype)
    assert events["user_id"].tolist() == ["u2", "u1", "u2", "u3", "u1"]
    assert events["item_id"].tolist() == ["i9", "i9", "i1", "i1", "i7"]
    assert events["user_id"].cat.categories.tolist() == ["u2", "u1", "u3"]
    assert events["item_id"].cat.categories.tolist() == ["i9", "i1", "i7"]


@pytest.mark.parametrize("content, events_per_file", [
    (lines("u1,i1", '"u\n2",i2', "u3,i3,,,,,x"), 2),  # the exact path (quotes)
    (lines("u1,i1,2024-01-01T00:00:00", "u2,i2,2024-01-02T00:00:00"), 2),  # the fast path (recommender.fast_usage)
])
def test_a_file_is_let_go_before_the_next_one_is_asked_for(content, events_per_file):
    # The one-copy promise: while file n+1 downloads, nothing holds the bytes of file n any more.
    class Blob(bytearray):  # bytearray itself cannot be weakly referenced
        pass

    previous = []

    def files():
        for name in ("a.csv", "b.csv", "c.csv"):
            alive = [ref() is not None for ref in previous]
            assert not any(alive), f"a file was still held when {name} was asked for"
            blob = Blob(content)
            previous.append(weakref.ref(blob))
            yield name, blob
            del blob

    events, _ = parse_usage_files(files())
    assert len(events) == 3 * events_per_file
