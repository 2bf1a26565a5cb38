"""A batch job's user list: one user id per line. Bad lines are counted and reported like a parsing report,
never fatal below the tolerance; users the model does not know are counted as warnings."""
import numpy as np

from .exceptions import TooManyParsingErrorsError
from .parsing import MAX_USER_ID_LENGTH


def parse_user_list(text: str, file: str, user_index: dict, max_errors: int) -> tuple:
    """(user_affinity rows of the known users in list order, the report as JSON).

    :raise TooManyParsingErrorsError: more than `max_errors` bad lines (unknown users do not count)
    """
    rows, errors, warnings, successful, total = [], {}, {}, 0, 0
    for number, line in enumerate(text.splitlines(), start=1):
        user_id = line.strip()
        if not user_id:
            continue
        total += 1
        reason = _bad_line_reason(user_id)
        if reason is not None:
            _count(errors, reason, number)
            if sum(count for count, _ in errors.values()) > max_errors:
                raise TooManyParsingErrorsError(f"more than {max_errors} bad lines in the user list {file}: "
                                                f"{reason} first at line {errors[reason][1]}", None)
            continue
        successful += 1
        row = user_index.get(user_id)
        if row is None:
            _count(warnings, "UnknownUser", number)
        else:
            rows.append(row)
    report = {"errors": [_entry("error", reason, entry, file) for reason, entry in errors.items()],
              "warnings": [_entry("reason", reason, entry, file) for reason, entry in warnings.items()],
              "successfulLinesCount": successful, "totalLinesCount": total}
    return np.array(rows, dtype=np.int64), report


def _bad_line_reason(user_id: str):
    if len(user_id) > MAX_USER_ID_LENGTH:
        return "UserIdTooLong"
    if not user_id.isprintable():
        return "IllegalCharactersInUserId"
    return None


def _count(table: dict, reason: str, line: int):
    entry = table.setdefault(reason, [0, line])
    entry[0] += 1


def _entry(key: str, reason: str, entry: list, file: str) -> dict:
    return {key: reason, "count": entry[0], "sample": {"file": file, "line": entry[1]}}
