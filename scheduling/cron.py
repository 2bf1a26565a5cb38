"""Five-field cron expressions (minute hour day-of-month month day-of-week), in UTC.

Each field is `*`, a number, a range `a-b`, any of those with a step `/n`, or a comma list of them. Day of
week is 0-7 (0 and 7 are Sunday). As in cron, when both day fields are restricted a day matches either.
Written here rather than taken from croniter, whose maintainer ended its maintenance; this is all we need.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
SEARCH_DAYS = 366 * 8
"""How far ahead a next tick is looked for (Feb 29 on a Monday recurs within 28 years, but nobody asks)."""


class CronSyntaxError(ValueError):
    """An expression that is not five valid cron fields; the message names the field."""


@dataclass(frozen=True)
class CronExpression:
    """A parsed expression: the allowed values of each field."""

    text: str
    minutes: tuple
    hours: tuple
    days: frozenset
    months: frozenset
    weekdays: frozenset
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> "CronExpression":
        """:raise CronSyntaxError:"""
        parts = text.split()
        if len(parts) != 5:
            raise CronSyntaxError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}")
        values = [_field(part, *spec) for part, spec in zip(parts, FIELDS)]
        weekdays = frozenset(day % 7 for day in values[4])
        return cls(" ".join(parts), tuple(sorted(values[0])), tuple(sorted(values[1])), frozenset(values[2]),
                   frozenset(values[3]), weekdays, parts[2] == "*", parts[4] == "*")

    def matches_day(self, day: datetime) -> bool:
        """Does the date match the month and day fields?"""
        if day.month not in self.months:
            return False
        in_month, in_week = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after `moment` (an aware UTC datetime). :raise CronSyntaxError: it never ticks"""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(SEARCH_DAYS):
            if self.matches_day(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        tick = day.replace(hour=hour, minute=minute)
                        if tick >= start:
                            return tick
            day += timedelta(days=1)
        raise CronSyntaxError(f"{self.text!r} never matches a date")


def _field(text: str, name: str, low: int, high: int) -> set:
    values = set()
    for item in text.split(","):
        values |= _item(item, name, low, high)
    return values


def _item(text: str, name: str, low: int, high: int) -> set:
    """One list item: *, n, a-b, each optionally /step."""
    body, _, step_text = text.partition("/")
    step = _number(step_text, name) if step_text else 1
    if step < 1:
        raise CronSyntaxError(f"{name}: step must be at least 1, got {text!r}")
    if body == "*":
        first, last = low, high
    elif "-" in body:
        first_text, _, last_text = body.partition("-")
        first, last = _number(first_text, name), _number(last_text, name)
    else:
        first = _number(body, name)
        last = high if step_text else first
    if not low <= first <= last <= high:
        raise CronSyntaxError(f"{name}: {text!r} is outside {low}-{high} or its range is reversed")
    return set(range(first, last + 1, step))


def _number(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise CronSyntaxError(f"{name}: {text!r} is not a number")
    return int(text)
