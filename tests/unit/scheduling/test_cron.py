"""The cron parser: next ticks worked out on a calendar, and every bad expression refused with its field named."""
from datetime import datetime, timezone

import pytest

from scheduling import CronExpression, CronSyntaxError


def at(*fields) -> datetime:
    return datetime(*fields, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, moment, expected", [
    ("* * * * *", at(2025, 1, 1, 10, 0, 30), at(2025, 1, 1, 10, 1)),
    ("*/15 * * * *", at(2025, 1, 1, 10, 15), at(2025, 1, 1, 10, 30)),
    ("0 3 * * *", at(2025, 1, 1, 3, 0), at(2025, 1, 2, 3, 0)),
    ("30 2 * * 1", at(2025, 1, 1), at(2025, 1, 6, 2, 30)),  # 2025-01-01 is a Wednesday; Monday the 6th
    ("0 0 1 * *", at(2025, 1, 15), at(2025, 2, 1)),
    ("0 0 29 2 *", at(2025, 1, 1), at(2028, 2, 29)),
    ("0 0 13 * 5", at(2025, 1, 1), at(2025, 1, 3)),  # either day field: Friday the 3rd comes first
    ("0 0 * * 7", at(2025, 1, 1), at(2025, 1, 5)),  # 7 is Sunday too
    ("5,10-12/2 8-9 * 1,6 *", at(2025, 1, 1, 9, 11), at(2025, 1, 1, 9, 12)),
    ("0 12 * * 1-5", at(2025, 1, 3, 12, 0), at(2025, 1, 6, 12, 0)),
])
def test_next_tick(text, moment, expected):
    assert CronExpression.parse(text).next_after(moment) == expected


@pytest.mark.parametrize("text, field", [
    ("* * * *", "5 fields"), ("60 * * * *", "minute"), ("* 24 * * *", "hour"), ("* * 0 * *", "day of month"),
    ("* * * 13 *", "month"), ("* * * * 8", "day of week"), ("*/0 * * * *", "step"), ("a * * * *", "minute"),
    ("5-1 * * * *", "minute"), ("-1 * * * *", "minute"), ("* * * * * *", "5 fields"), ("1,,2 * * * *", "minute"),
])
def test_bad_expressions_name_their_field(text, field):
    with pytest.raises(CronSyntaxError, match=field):
        CronExpression.parse(text)


def test_an_expression_that_never_ticks():
    with pytest.raises(CronSyntaxError, match="never"):
        CronExpression.parse("0 0 31 2 *").next_after(at(2025, 1, 1))
