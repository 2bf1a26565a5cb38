"""Timestamps the original read (and did not), shared by the parsing and timestamps tests."""
from datetime import datetime, timezone

# Every form the original's .NET DateTime.TryParse (en-US) read, and the instant it meant (UTC).
TIMESTAMP_FORMS = {
    "2017-03-30T13:34:12Z": (2017, 3, 30, 13, 34, 12),
    "2017-03-30T13:34:12": (2017, 3, 30, 13, 34, 12),            # no offset: UTC
    "2017-03-30T15:34:12+02:00": (2017, 3, 30, 13, 34, 12),
    "2017-03-30T13:34:12.250Z": (2017, 3, 30, 13, 34, 12, 250000),
    "2017-03-30T13:34:12.1234567": (2017, 3, 30, 13, 34, 12, 123456),  # .NET's 7 digits; we keep microseconds
    "2017/03/30T13:34:12": (2017, 3, 30, 13, 34, 12),
    "2017-03-30 13:34:12": (2017, 3, 30, 13, 34, 12),
    "2017-03-30": (2017, 3, 30),
    "3/30/2017 1:34:12 PM": (2017, 3, 30, 13, 34, 12),
    "03/30/2017 01:34:12 pm": (2017, 3, 30, 13, 34, 12),
    "12/1/2017 12:00:00 AM": (2017, 12, 1),                      # month first, midnight
    "3/30/2017 13:34:12": (2017, 3, 30, 13, 34, 12),
    "3/30/2017 13:34": (2017, 3, 30, 13, 34),
    "3/30/2017 1:34 PM": (2017, 3, 30, 13, 34),
    "3/30/2017": (2017, 3, 30),
    "1/2/2017": (2017, 1, 2),                                    # ambiguous: en-US, 2 January
    "2017-03-30 1:34 PM": (2017, 3, 30, 13, 34),
}
REFUSED_TIMESTAMPS = ["31/31/2017", "2017-13-01", "yesterday", "30/03/2017", "2/29/2017", "2017-02-30",
                      "3/30/2017 13:34 PM", "3/30/2017 1:34:12 XM", "13:34", "2017-03-30T13:34:12 garbage"]


def utc_seconds(*parts) -> float:
    return datetime(*parts, tzinfo=timezone.utc).timestamp()
