"""Request events read every timestamp form the original read, as the same instant as in a usage file (issue 18)."""
import sys
from pathlib import Path

import pytest
from marshmallow import ValidationError

from recommender.timestamps import parse_timestamps
from webapp.schema_fields import EventTimestamp

sys.path.insert(0, str(Path(__file__).parents[1] / "recommender"))
from timestamp_forms import REFUSED_TIMESTAMPS, TIMESTAMP_FORMS, utc_seconds  # noqa: E402


@pytest.mark.parametrize("text", sorted(TIMESTAMP_FORMS))
def test_every_form_of_the_original_is_the_instant_the_file_parser_reads(text):
    seconds = EventTimestamp().deserialize(text)
    assert seconds == pytest.approx(utc_seconds(*TIMESTAMP_FORMS[text]), abs=1e-6)
    assert seconds == pytest.approx(parse_timestamps([text])[0], abs=1e-6)


@pytest.mark.parametrize("text", REFUSED_TIMESTAMPS)
def test_what_no_form_reads_is_refused(text):
    with pytest.raises(ValidationError):
        EventTimestamp().deserialize(text)


def test_the_original_documented_body_is_read_as_utc():
    """doc/api-reference.md of the original sends "2017-01-31T23:59:59": no offset, which means UTC."""
    assert EventTimestamp().deserialize("2017-01-31T23:59:59") == utc_seconds(2017, 1, 31, 23, 59, 59)
