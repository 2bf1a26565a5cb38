"""recommender.timestamps: the forms the original read, as columns and as single values (request events).

The file path (parse_usage_files) is covered form by form in test_parsing.py.
"""
import numpy as np
import pandas as pd
import pytest

from recommender import timestamps
from recommender.timestamps import parse_timestamp, parse_timestamp_column, parse_timestamps
from timestamp_forms import REFUSED_TIMESTAMPS, TIMESTAMP_FORMS, utc_seconds


@pytest.mark.parametrize("text", TIMESTAMP_FORMS)
def test_one_string_reads_as_in_a_file(text):
    assert parse_timestamp(text) == pytest.approx(utc_seconds(*TIMESTAMP_FORMS[text]), abs=1e-6)


@pytest.mark.parametrize("text", [*REFUSED_TIMESTAMPS, "", "   "])
def test_one_string_no_form_reads_is_a_value_error_naming_it(text):
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_timestamp(text)


def test_a_short_list_gives_nan_where_no_form_reads():
    seconds = parse_timestamps(["3/30/2017", "yesterday", " 2017-03-30T00:00:00Z "])
    np.testing.assert_array_equal(seconds, [utc_seconds(2017, 3, 30), np.nan, utc_seconds(2017, 3, 30)])


def test_values_not_given_are_nat_even_when_readable():
    values = pd.Series(["2017-03-30", "3/30/2017", "2017-03-30"], dtype=object)
    parsed = parse_timestamp_column(values, np.array([False, True, False]))
    assert np.isnat(parsed).tolist() == [True, False, True]


def test_a_column_is_parsed_per_form_never_per_value(monkeypatch):
    calls, real = [], pd.to_datetime

    def counted(values, **options):
        calls.append(len(values))
        return real(values, **options)

    monkeypatch.setattr(timestamps.pd, "to_datetime", counted)
    texts = ["3/30/2017 1:34:12 PM", "2017-03-30T13:34:12Z"] * 5000 + ["yesterday"] * 10
    values = pd.Series(texts, dtype=object)
    parsed = parse_timestamp_column(values, np.ones(len(values), dtype=bool))
    assert np.isnat(parsed).sum() == 10
    whole_columns = [size for size in calls if size > 1]
    # The sample's form on the whole column, then each other form once on what is left.
    assert whole_columns[0] == len(values) and len(whole_columns) == len(timestamps.FORMATS)
    assert len(calls) - len(whole_columns) <= len(timestamps.FORMATS)  # trying the one sample
