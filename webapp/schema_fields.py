"""The marshmallow fields and validators of the API's schemas, and the error codes their messages carry.

Every validation message carries a code (see CodedMessage), so a 400's details tell a client which rule a
field broke, not only which field.
"""
import re
from datetime import datetime, timezone
from typing import Optional

from marshmallow import ValidationError, fields, validate

from recommender.parsing import MAX_ITEM_ID_LENGTH
from recommender.timestamps import parse_timestamp

# Whole-value patterns (re.fullmatch; the spec anchors them with ^ and $).
# Azure's container rule: 3-63 chars of lower-case letters, digits and single hyphens, not at either end.
CONTAINER_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
CONTAINER_NAME_LENGTH = (3, 63)
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# RFC 3339 date-time (JSON Schema's format date-time): the offset is required.
RFC3339_DATE_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
ISO_WITHOUT_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)?")
"""ISO 8601 forms without an offset that datetime.fromisoformat reads as the file parser does."""
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?: ?[AaPp][Mm])?"
TIMESTAMP_SHAPE = re.compile(
    rf"\d{{4}}[-/]\d{{1,2}}[-/]\d{{1,2}}(?:[Tt ]{_CLOCK}(?:[Zz]|[+-]\d{{2}}:?\d{{2}})?)?"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}(?: {_CLOCK})?")
"""The shape of every timestamp form the original read (openapi.yaml's pattern): a value of this shape that
names no instant (2017-02-30) is InvalidValue, anything else InvalidType."""
_PATH_SEGMENT = r"(?!\.\.?(?:/|$))[^/\\\x00-\x1f\x7f]+"
RELATIVE_PATH = re.compile(rf"{_PATH_SEGMENT}(?:/{_PATH_SEGMENT})*/*")
MAX_BLOB_PATH_LENGTH = 1024
"""Azure's limit on a blob name."""


class CodedMessage(str):
    """A validation message with the code a client branches on; str.format keeps the code (marshmallow formats)."""

    def __new__(cls, text: str, code: str = "InvalidValue"):
        message = super().__new__(cls, text)
        message.code = code
        return message

    def format(self, *args, **kwargs) -> "CodedMessage":
        return CodedMessage(super().format(*args, **kwargs), self.code)


# marshmallow's error keys (Field.error_messages) and the code each one means.
FIELD_ERROR_CODES = {"required": "MissingField", "null": "InvalidType", "invalid": "InvalidType",
                     "invalid_utf8": "InvalidType", "too_large": "OutOfRange"}


def in_range(low: int, high: int) -> validate.Range:
    """low <= value <= high, else OutOfRange."""
    return validate.Range(low, high, error=CodedMessage("must be between {min} and {max}", "OutOfRange"))


def length(low: Optional[int] = None, high: Optional[int] = None) -> validate.Length:
    """A length limit: TooLong past high, InvalidLength when a lower limit is broken too."""
    if low is None:
        return validate.Length(max=high, error=CodedMessage("must be at most {max} characters", "TooLong"))
    return validate.Length(low, high, error=CodedMessage("must be {min} to {max} characters", "InvalidLength"))


def item_count(high: int) -> validate.Length:
    """At most `high` items in a list, else TooManyItems."""
    return validate.Length(max=high, error=CodedMessage("must hold at most {max} items", "TooManyItems"))


class FullMatch(validate.Validator):
    """The whole value matches a pattern (unlike validate.Regexp, whose `$` lets a trailing newline through)."""

    def __init__(self, regex: re.Pattern, error: CodedMessage):
        self.regex, self.error = regex, error

    def __call__(self, value: str) -> str:
        if not self.regex.fullmatch(value):
            raise ValidationError(self.error)
        return value


class NullMeansDefault:
    """A field mixin: JSON null loads as the field's default, as in the original (a C# nullable left unset)."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None:
            return self.load_default
        return super().deserialize(value, attr, data, **kwargs)


class EnumName(fields.Field):
    """One of an enum's names in any case (the original's JSON.NET enum converter), or one of the original's
    .NET integer codes for it; loads as the name spelled canonically."""

    default_error_messages = {"invalid": "Not a valid string."}

    def __init__(self, names: list, codes: Optional[dict] = None, **options):
        super().__init__(**options)
        self.names, self.codes = list(names), dict(codes or {})
        self._by_lower_name = {name.lower(): name for name in self.names}
        self.pattern = "(?:" + "|".join(map(_any_case_pattern, self.names)) + ")"
        """The names in any case, as a pattern (the spec states it)."""
        codes_text = ", ".join(f"{code} ({name})" for code, name in self.codes.items())
        self.error = CodedMessage(f"must be one of {', '.join(self.names)} (in any case)"
                                  + (f", or one of the codes {codes_text}" if codes_text else ""), "InvalidValue")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            name = self._by_lower_name.get(value.lower())
        elif type(value) is int:  # not a bool
            name = self.codes.get(value)
        else:
            raise self.make_error("invalid")
        if name is None:
            raise ValidationError(self.error)
        return name


def _any_case_pattern(name: str) -> str:
    return "".join(f"[{char.upper()}{char.lower()}]" if char.isalpha() else re.escape(char) for char in name)


class RelativePath(fields.String):
    """A blob, or a folder of blobs, inside a container; a trailing '/' is trimmed.

    Refused (the original rewrote such paths silently): a '.' or '..' segment, an empty segment,
    a backslash, a leading '/', a control character.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        path = super()._deserialize(value, attr, data, **kwargs)
        if len(path) > MAX_BLOB_PATH_LENGTH:
            raise ValidationError(CodedMessage(f"must be at most {MAX_BLOB_PATH_LENGTH} characters", "TooLong"))
        if not RELATIVE_PATH.fullmatch(path):
            raise ValidationError(CodedMessage(
                "must be a relative path without '.' or '..' segments, '//', backslashes, control characters "
                "or a leading '/'", "InvalidPath"))
        return path.rstrip("/")


class StrictBoolean(fields.Boolean):
    """true or false only: no "yes", 1 or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(fields.Boolean):
    """A query-string flag: the words true or false only."""

    def __init__(self, **options):
        super().__init__(truthy={"true"}, falsy={"false"}, **options)


class JsonInteger(fields.Integer):
    """A JSON integer: 6 or 6.0 (JSON Schema counts both as integers); not "6", 6.5 or true."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("invalid")
        return super()._deserialize(int(value), attr, data, **kwargs)


class StrictNumber(fields.Float):
    """A JSON number only: no numeric strings, no booleans."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class EventTimestamp(fields.Field):
    """A usage event's time as float seconds since the Unix epoch (UTC), in every form the original read.

    RFC 3339 with an offset (what clients of this service send) and ISO 8601 without one (what the original's
    documentation sends; no offset means UTC) are read here directly; any other form goes to
    recommender.timestamps, the parser of usage files, so a request and a file mean the same instant.
    """

    default_error_messages = {"invalid": "must be a date and time, e.g. 2017-03-30T13:34:12Z or 3/30/2017 1:34:12 PM"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        match = RFC3339_DATE_TIME.fullmatch(value)
        if match is not None:
            return self._from_rfc3339(*match.groups())
        if ISO_WITHOUT_OFFSET.fullmatch(value):
            try:
                return datetime.fromisoformat(value).replace(tzinfo=timezone.utc).timestamp()
            except ValueError:
                raise ValidationError(CodedMessage("is not a date and time of the calendar", "InvalidValue")) from None
        if not TIMESTAMP_SHAPE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            return parse_timestamp(value)
        except ValueError:
            raise ValidationError(CodedMessage("is not a date and time of the calendar", "InvalidValue")) from None

    @staticmethod
    def _from_rfc3339(date, hours_minutes, seconds, fraction, offset) -> float:
        fraction = (fraction or "")[:7]  # Python keeps microseconds
        offset = "+00:00" if offset in ("Z", "z") else offset
        try:  # a leap second counts as the second before it
            return datetime.fromisoformat(f"{date}T{hours_minutes}:{min(seconds, '59')}{fraction}{offset}").timestamp()
        except ValueError:
            raise ValidationError(CodedMessage("is not a date and time of the calendar", "InvalidValue")) from None


class ItemIdList(fields.List):
    """A list of item ids, up to 1,000 of them per request: a list of valid ids is checked in one pass, and
    only a list holding a bad one goes through marshmallow's per-item path, for its messages."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(type(item) is str and 0 < len(item) <= MAX_ITEM_ID_LENGTH
                                           for item in value):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


def item_id_list(**options) -> ItemIdList:
    """A list of item ids (the list field's own messages get their codes from CamelCaseSchema)."""
    item_id = fields.String(validate=length(1, MAX_ITEM_ID_LENGTH),
                            error_messages={"invalid": CodedMessage("Not a valid string.", "InvalidType")})
    return ItemIdList(item_id, **options)
