"""The fast path of usage parsing gives what the exact path gives, or hands the piece back to it.

Pieces are made tiny here (PIECE_BYTES), so that one small file mixes clean pieces and pieces the
fast path refuses; every case is parsed twice, with and without the fast path, and compared.
"""
import numpy as np
import pytest

from recommender import TooManyParsingErrorsError, fast_usage, parsing
from recommender.fast_usage import pieces, read_clean_piece
from recommender.parsing import parse_usage_files


def lines(*rows: str) -> bytes:
    return "".join(row + "\n" for row in rows).encode("utf-8")


CLEAN = [f"u{n % 7},i{n % 5},2024-0{1 + n % 9}-{10 + n % 19}T{n % 24:02d}:{n % 60:02d}:{(7 * n) % 60:02d}"
         for n in range(40)]
CASES = {
    "clean, three fields": lines(*CLEAN),
    "two fields": lines(*[f"u{n % 3},i{n}" for n in range(30)]),
    "types and weights": lines(*[f"{row},{('Click', 'Purchase', 'AddShopCart')[n % 3]},{n % 4}.5"
                                 for n, row in enumerate(CLEAN)]),
    "types only": lines(*[f"{row},{('Click', 'Purchase')[n % 2]}" for n, row in enumerate(CLEAN)]),
    "unknown type and bad weight": lines(*CLEAN[:20], CLEAN[20] + ",Clik", CLEAN[21] + ",Click,x", *CLEAN[22:]),
    "missing fields": lines(*CLEAN[:25], "u1,", *CLEAN[25:]),
    "too many fields": lines(*CLEAN[:12], CLEAN[12] + ",Click,1,extra", *CLEAN[13:]),
    "field counts vary": lines(*CLEAN[:30], "u9,i9", *CLEAN[30:]),
    "February 30th": lines(*CLEAN[:33], "u1,i1,2024-02-30T00:00:00", *CLEAN[33:]),
    "year 999 and hour 24": lines(*CLEAN[:5], "u1,i1,0999-01-01T00:00:00", "u1,i1,2024-01-01T24:00:00", *CLEAN[5:]),
    "month 13, month 0, day 0, second 60": lines(*CLEAN[:7], "u1,i1,2024-13-01T00:00:00", "u1,i1,2024-00-01T00:00:00",
                                                 "u1,i1,2024-01-00T00:00:00", "u1,i1,2024-01-01T00:00:60", *CLEAN[7:]),
    "leap day": lines(*CLEAN[:7], "u1,i1,2024-02-29T23:59:59", "u2,i1,1970-01-01T00:00:00", "u1,i1,1969-12-31T23:59:59",
                      *CLEAN[7:]),
    "other timestamp forms": lines(*CLEAN[:10], "u1,i1,3/30/2017 1:34:12 PM", "u1,i1,2024-01-01", *CLEAN[10:]),
    "empty timestamp": lines(*CLEAN[:10], "u1,i1,", *CLEAN[10:]),
    "blank lines and CRLF": (lines(*CLEAN[:10]) + b"\n\n" + lines(*CLEAN[10:])).replace(b"\n", b"\r\n"),
    "spaces around fields": lines(*CLEAN[:17], " u1 , i1 ", *CLEAN[17:]),
    "control characters": lines(*CLEAN[:3], "u\x01,i1", "u1,i\x00", *CLEAN[3:]),
    "non-ASCII and undecodable": lines(*CLEAN[:8], "ü,ï", *CLEAN[8:]) + b"u1,\xff\n" + lines(*CLEAN[:4]),
    "long ids": lines(*CLEAN[:22], "u" * 256 + ",i1", "u1," + "i" * 451, *CLEAN[22:]),
    "byte order mark after a line end": lines(*CLEAN[:6]) + b"\xef\xbb\xbfu1,i1\n" + lines(*CLEAN[6:]),
    "quotes": lines(*CLEAN[:6], '"u1","i\n1"', *CLEAN[6:]),
    "no final line end": lines(*CLEAN)[:-1],
    "empty": b"",
}


def exact_parse(files, **options):
    """parse_usage_files with the fast path turned off."""
    fast = fast_usage.read_clean_piece
    fast_usage.read_clean_piece = lambda *arguments: None
    try:
        return parse_usage_files(files, **options)
    finally:
        fast_usage.read_clean_piece = fast


def assert_same(fast, exact):
    (events, report), (expected_events, expected_report) = fast, exact
    assert report.as_dict() | {"duration": 0} == expected_report.as_dict() | {"duration": 0}
    assert report.empty_files == expected_report.empty_files
    for column in ("user_id", "item_id"):
        assert events[column].astype(object).tolist() == expected_events[column].astype(object).tolist()
        assert list(events[column].cat.categories) == list(expected_events[column].cat.categories)
    for column in ("timestamp", "weight"):
        assert np.array_equal(events[column].to_numpy(), expected_events[column].to_numpy(), equal_nan=True)


@pytest.mark.parametrize("piece_bytes", [64, 300, 1 << 20])
@pytest.mark.parametrize("case", CASES)
def test_the_report_and_events_are_those_of_the_exact_path(case, piece_bytes, monkeypatch):
    monkeypatch.setattr(fast_usage, "PIECE_BYTES", piece_bytes)
    files = [("a.csv", CASES[case]), ("b.csv", lines(*CLEAN[:9]))]
    assert_same(parse_usage_files(files), exact_parse(files))


def test_known_items_drop_unknown_ones_as_the_exact_path_does(monkeypatch):
    monkeypatch.setattr(fast_usage, "PIECE_BYTES", 100)
    import pandas as pd

    files = [("a.csv", CASES["clean, three fields"])]
    known = pd.Index(["i1", "i2", "i3"], dtype=object)
    assert_same(parse_usage_files(files, known_items=known), exact_parse(files, known_items=known))


def test_the_tolerance_breaks_as_on_the_exact_path(monkeypatch):
    monkeypatch.setattr(fast_usage, "PIECE_BYTES", 100)
    content = lines(*CLEAN, *["u1,"] * 3, *CLEAN)
    with pytest.raises(TooManyParsingErrorsError) as fast:
        parse_usage_files([("a.csv", content)], max_errors=2)
    with pytest.raises(TooManyParsingErrorsError) as exact:
        exact_parse([("a.csv", content)], max_errors=2)
    assert str(fast.value) == str(exact.value)


def test_clean_input_goes_the_fast_way():
    weighted, typed = CASES["types and weights"], CASES["types only"]
    piece = read_clean_piece(weighted, next(pieces(weighted)), parsing._weights, None)
    assert piece is not None and piece.lines == len(CLEAN)
    assert piece.users.to_pylist()[:3] == ["u0", "u1", "u2"]
    assert piece.weights[:3].tolist() == [0.5, 1.5, 2.5]  # an explicit finite weight wins over the type's
    assert read_clean_piece(typed, next(pieces(typed)), parsing._weights, None).weights[:3].tolist() == [1, 4, 1]


@pytest.mark.parametrize("case", ["February 30th", "year 999 and hour 24", "month 13, month 0, day 0, second 60", "other timestamp forms", "quotes",
                                  "missing fields", "non-ASCII and undecodable", "unknown type and bad weight"])
def test_a_piece_with_anything_odd_is_handed_back(case):
    content = CASES[case]
    assert read_clean_piece(content, (0, len(content), 0, content.count(b"\n")), parsing._weights, None) is None


def test_pieces_end_at_line_ends_and_count_the_lines_before_them():
    content = lines(*CLEAN)
    cut = list(pieces(content, 100))
    assert [start for start, *_ in cut[1:]] == [stop for _, stop, *_ in cut[:-1]] and cut[-1][1] == len(content)
    assert all(content[stop - 1:stop] == b"\n" for _, stop, *_ in cut)
    assert [before for _, _, before, _ in cut] == [content.count(b"\n", 0, start) for start, *_ in cut]

