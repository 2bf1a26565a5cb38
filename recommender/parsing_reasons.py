"""Every reason a parse can give for a line, and how each shows in the report the original's clients read.

The report's ``error`` field only ever holds a value of the original service's
enum (ORIGINAL_ERRORS): its generated C# client fails on any other value. A
finer reason of ours (InvalidUtf8) is reported under the original value it
refines (MalformedLine), with our name beside it in ``reason``. Warnings about
lines that are kept (an unknown event type, a weight that is not a finite
number) go in a separate ``warnings`` list, which that client ignores.
"""
from enum import Enum, StrEnum

ORIGINAL_ERRORS = (
    "MalformedLine", "MissingFields", "BadTimestampFormat", "BadWeightFormat", "MalformedCatalogItemFeature",
    "ItemIdTooLong", "IllegalCharactersInItemId", "UserIdTooLong", "IllegalCharactersInUserId", "UnknownItemId",
    "DuplicateItemId",
)
"""The values of the original's LineParsingErrorReason enum (Common/Api/LineParsingError.cs)."""


class Severity(Enum):
    """What a reason does to its line and to the tolerance."""

    ERROR = "error"
    """The line is dropped and counts against the tolerance."""
    DROPPED = "dropped"
    """The line is dropped, never counted against the tolerance (the original's warnings)."""
    KEPT = "kept"
    """The line trains (with weight 1 where the reason is its weight); reported in ``warnings``."""


class Reason(StrEnum):
    """A reason for a line, by the name reports give it; ``error`` is the original's value it is reported as."""

    def __new__(cls, name: str, error, severity: Severity):
        if (error is None) != (severity is Severity.KEPT) or (error is not None and error not in ORIGINAL_ERRORS):
            raise ValueError(f"{name}: a dropped line is reported as one of ORIGINAL_ERRORS, a kept one as none")
        member = str.__new__(cls, name)
        member._value_ = name
        member.error = error
        member.severity = severity
        return member

    MALFORMED_LINE = "MalformedLine", "MalformedLine", Severity.ERROR
    MISSING_FIELDS = "MissingFields", "MissingFields", Severity.ERROR
    INVALID_UTF8 = "InvalidUtf8", "MalformedLine", Severity.ERROR
    BAD_TIMESTAMP_FORMAT = "BadTimestampFormat", "BadTimestampFormat", Severity.ERROR
    ITEM_ID_TOO_LONG = "ItemIdTooLong", "ItemIdTooLong", Severity.ERROR
    USER_ID_TOO_LONG = "UserIdTooLong", "UserIdTooLong", Severity.ERROR
    ILLEGAL_CHARACTERS_IN_USER_ID = "IllegalCharactersInUserId", "IllegalCharactersInUserId", Severity.ERROR
    ILLEGAL_CHARACTERS_IN_ITEM_ID = "IllegalCharactersInItemId", "IllegalCharactersInItemId", Severity.ERROR
    MALFORMED_CATALOG_ITEM_FEATURE = "MalformedCatalogItemFeature", "MalformedCatalogItemFeature", Severity.ERROR
    UNKNOWN_ITEM_ID = "UnknownItemId", "UnknownItemId", Severity.DROPPED
    DUPLICATE_ITEM_ID = "DuplicateItemId", "DuplicateItemId", Severity.DROPPED
    UNKNOWN_EVENT_TYPE = "UnknownEventType", None, Severity.KEPT
    BAD_WEIGHT_FORMAT = "BadWeightFormat", None, Severity.KEPT

    @property
    def counts_as_error(self) -> bool:
        """Does a line with this reason count against the tolerance?"""
        return self.severity is Severity.ERROR
