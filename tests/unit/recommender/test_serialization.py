"""to_bytes/from_bytes: a round trip changes nothing, and nothing but our own blob loads.

The layout (recommender/serialization.py): MAGIC, a 4-byte little-endian header
length, a UTF-8 JSON header holding formatVersion, the payload's sha256 and a
table of the arrays, the model id and what trained it, then the payload of raw arrays. Tampered blobs below are
built from that layout by hand.
"""
import hashlib
import json
import pickle
import struct

import numpy as np
import pytest

from recommender import (EventBatch, ModelFormatError, ModelIdentityError, SARModel, SARParameters, fit, from_bytes,
                         make_events, to_bytes)
from recommender.scoring import recommend, similar_items
from recommender.serialization import MAGIC, MAX_HEADER_BYTES

MODEL_ID = "6f1c2b9e-0000-4000-8000-000000000001"

DAY = 86400.0
# Ids a CSV or JSON writer could get wrong: a comma, quotes, a backslash, non-ASCII, an emoji.
USERS = ["u,1", 'u "2"', "ü3", "u4\\"]
ITEMS = ["a,b", 'say "hi"', "it's", "café ☕", "日本語", "🙂"]


def make_model(**overrides) -> SARModel:
    """A small model on the odd ids above, with timestamps and weights."""
    users = [USERS[n % 4] for n in range(14)]
    items = [ITEMS[n % 6] for n in (0, 1, 2, 1, 3, 4, 0, 5, 2, 3, 4, 5, 1, 0)]
    timestamps = [1_700_000_000.0 + n * DAY for n in range(14)]
    weights = [1, 2, 3, -1, 4, 1, 1, 2, 1, 1, 3, 1, 2, 1]
    settings = {"support_threshold": 1, "enable_user_to_item": True, **overrides}
    return fit(make_events(users, items, timestamps, weights), SARParameters(**settings))


def split(blob: bytes):
    """(header dict, payload bytes) of a blob, read by the documented layout."""
    (length,) = struct.unpack_from("<I", blob, len(MAGIC))
    start = len(MAGIC) + 4
    return json.loads(blob[start:start + length]), blob[start + length:]


def join(header: dict, payload: bytes, fix_checksum: bool = True) -> bytes:
    """A blob from a header and a payload, with the payload's true sha256 unless told not to."""
    if fix_checksum:
        header = {**header, "sha256": hashlib.sha256(payload).hexdigest()}
    encoded = json.dumps(header).encode("utf-8")
    return MAGIC + struct.pack("<I", len(encoded)) + encoded + payload


def assert_same_csr(a, b):
    assert a.shape == b.shape
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)
    assert a.data.dtype == b.data.dtype


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {},
    {"enable_user_to_item": False},
    {"similarity_function": "Lift", "cooccurrence_unit": "Timestamp", "support_threshold": 2,
     "enable_user_affinity": False, "allow_seed_items": True, "enable_backfilling": False,
     "decay_period_days": 7},
])
def test_round_trip_keeps_arrays_and_parameters(overrides):
    model = make_model(**overrides)
    loaded = from_bytes(to_bytes(model, MODEL_ID))
    assert loaded.params == model.params
    assert list(loaded.item_ids) == ITEMS  # first appearance order, ids intact
    assert list(loaded.item_ids) == list(model.item_ids)
    assert_same_csr(loaded.similarity, model.similarity)
    np.testing.assert_array_equal(loaded.popularity, model.popularity)
    assert loaded.reference_time == model.reference_time
    if model.user_affinity is None:
        assert loaded.user_affinity is None and loaded.user_ids is None
    else:
        assert list(loaded.user_ids) == USERS
        assert_same_csr(loaded.user_affinity, model.user_affinity)


@pytest.mark.parametrize("overrides", [{}, {"similarity_function": "Cooccurrence", "allow_seed_items": True}])
def test_round_trip_gives_identical_recommendations(overrides):
    model = make_model(**overrides)
    loaded = from_bytes(to_bytes(model, MODEL_ID))
    for item in ITEMS + ["unknown"]:
        assert similar_items(loaded, item, k=4) == similar_items(model, item, k=4)
    for user in USERS + ["unknown"]:
        assert recommend(loaded, user_id=user, k=4) == recommend(model, user_id=user, k=4)
    events = EventBatch.of([ITEMS[2]], [1_700_000_000.0 + 20 * DAY], [2.0])
    assert recommend(loaded, user_id=USERS[0], events=events, k=4) == recommend(model, user_id=USERS[0], events=events, k=4)


def test_round_trip_without_timestamps_keeps_reference_time_nan():
    events = make_events(["u1", "u1", "u2"], ["a", "b", "a"])
    model = fit(events, SARParameters(support_threshold=1, enable_user_to_item=True))
    assert np.isnan(model.reference_time)
    loaded = from_bytes(to_bytes(model, MODEL_ID))
    assert np.isnan(loaded.reference_time)
    assert recommend(loaded, user_id="u2", k=2) == recommend(model, user_id="u2", k=2)


# --- refused blobs ---------------------------------------------------------------------------


def test_flipped_payload_byte_fails_the_checksum():
    blob = bytearray(to_bytes(make_model(), MODEL_ID))
    _, payload = split(bytes(blob))
    blob[len(blob) - len(payload) // 2] ^= 0x01  # a byte in the middle of the payload
    with pytest.raises(ModelFormatError, match="checksum"):
        from_bytes(bytes(blob))


@pytest.mark.parametrize("blob", [b"", b"SARMODE", b"NOTAMODEL" + b"\x00" * 64, b"PK\x03\x04" + b"\x00" * 64])
def test_wrong_magic_is_refused(blob):
    with pytest.raises(ModelFormatError, match="magic"):
        from_bytes(blob)


@pytest.mark.parametrize("keep", [
    len(MAGIC) + 2,    # inside the header length
    len(MAGIC) + 10,   # inside the JSON header
    "header",          # the header whole, no payload
    "half",            # half of the payload
    "all but one",     # the last byte missing
])
def test_truncated_blob_is_refused(keep):
    blob = to_bytes(make_model(), MODEL_ID)
    _, payload = split(blob)
    header_end = len(blob) - len(payload)
    cut = {"header": header_end, "half": header_end + len(payload) // 2, "all but one": len(blob) - 1}.get(keep, keep)
    with pytest.raises(ModelFormatError):
        from_bytes(blob[:cut])


@pytest.mark.parametrize("version", [0, 1, 2, 4, "3", None])
def test_unknown_format_version_is_refused(version):
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    blob = join({**header, "formatVersion": version}, payload)
    with pytest.raises(ModelFormatError, match="format version"):
        from_bytes(blob)


def test_rebuilt_blob_loads_so_the_tampering_tests_mean_something():
    # join/split reproduce the layout: an untouched header and payload still load.
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    assert similar_items(from_bytes(join(header, payload)), ITEMS[0]) == similar_items(make_model(), ITEMS[0])


@pytest.mark.parametrize("header_change", [
    {"parameters": {"support_threshold": 0}},   # out of range
    {"parameters": {"no_such_parameter": 1}},   # unknown key
    {"referenceTime": "yesterday"},             # not a number
])
def test_bad_header_values_are_refused(header_change):
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    with pytest.raises(ModelFormatError):
        from_bytes(join({**header, **header_change}, payload))


# --- no pickle -------------------------------------------------------------------------------

UNPICKLED = []


def _record_unpickling():
    UNPICKLED.append(True)
    return "pwned"


class RunsCodeWhenUnpickled:
    """Unpickling this calls _record_unpickling: proof that a loader ran pickled code."""

    def __reduce__(self):
        return _record_unpickling, ()


def object_array_blob() -> bytes:
    """A blob whose item_ids_utf8 entry claims to be a pickled object array (numpy's "|O"), checksum made right."""
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    pickled = pickle.dumps(np.array([RunsCodeWhenUnpickled()], dtype=object))
    table = [dict(entry) for entry in header["arrays"]]
    bait = next(entry for entry in table if entry["name"] == "item_ids_utf8")
    bait.update(dtype="|O", length=1, offset=len(payload))
    return join({**header, "arrays": table}, payload + pickled)


def test_our_pickle_bait_would_run_code_if_unpickled():
    # Guards the test below: the bytes appended really are a pickle whose reduce hook names our recorder.
    _, payload = split(object_array_blob())
    assert _record_unpickling.__name__.encode() in payload


@pytest.mark.parametrize("blob", [object_array_blob,
                                  lambda: join(split(to_bytes(make_model(), MODEL_ID))[0], pickle.dumps(RunsCodeWhenUnpickled()))],
                         ids=["object dtype in the array table", "bare pickle as payload"])
def test_pickled_payload_is_refused_without_running_it(blob):
    UNPICKLED.clear()
    with pytest.raises(ModelFormatError):
        from_bytes(blob())
    assert UNPICKLED == []


@pytest.mark.parametrize("change", [
    {"offset": 10**12},        # past the end
    {"length": -1},
    {"dtype": "<U4"},          # strings are not plain numbers
])
def test_bad_array_table_entries_are_refused(change):
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    table = [dict(entry) for entry in header["arrays"]]
    table[0].update(change)
    with pytest.raises(ModelFormatError):
        from_bytes(join({**header, "arrays": table}, payload))


def test_arrays_that_do_not_fit_together_are_refused_at_load():
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    table = [dict(entry) for entry in header["arrays"]]
    popularity = next(entry for entry in table if entry["name"] == "popularity")
    popularity["length"] -= 1  # one item without a popularity
    with pytest.raises(ModelFormatError, match="popularity"):
        from_bytes(join({**header, "arrays": table}, payload))


def test_position_arrays_must_be_integers():
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    table = [dict(entry) for entry in header["arrays"]]
    next(entry for entry in table if entry["name"] == "item_ids_offsets")["dtype"] = "<f8"
    with pytest.raises(ModelFormatError, match="integers"):
        from_bytes(join({**header, "arrays": table}, payload))


# --- the model's identity, and headers crafted to hurt -----------------------------------------


def test_the_blob_names_its_model_and_what_trained_it():
    trained_by = {"serviceVersion": "1.2.3", "parametersSha256": "ab" * 32}
    header, _ = split(to_bytes(make_model(), MODEL_ID, trained_by))
    assert (header["modelId"], header["trainedBy"]) == (MODEL_ID, trained_by)


def test_a_blob_loaded_for_another_model_id_is_refused_as_an_identity_error():
    blob = to_bytes(make_model(), MODEL_ID)
    assert from_bytes(blob, expected_model_id=MODEL_ID).n_items == len(ITEMS)
    with pytest.raises(ModelIdentityError, match="not 'another-id'"):
        from_bytes(blob, expected_model_id="another-id")
    assert issubclass(ModelIdentityError, ModelFormatError)  # callers that only know the format error refuse it too


def test_a_format_2_blob_which_names_no_model_is_refused():
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    del header["modelId"], header["trainedBy"]
    with pytest.raises(ModelFormatError, match="format version 2"):
        from_bytes(join({**header, "formatVersion": 2}, payload), expected_model_id=MODEL_ID)


def test_a_header_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    blob = join({**header, "statistics": {"padding": "x" * MAX_HEADER_BYTES}}, payload)
    monkeypatch.setattr("json.loads", lambda *args, **kwargs: pytest.fail("the header was parsed"))
    with pytest.raises(ModelFormatError, match="over the limit"):
        from_bytes(blob)
    with pytest.raises(ModelFormatError, match="over the limit"):
        from_bytes(to_bytes(make_model(), MODEL_ID), max_header_bytes=64)


@pytest.mark.parametrize("header_change", [
    {"arrays": [{"name": 5, "dtype": "<i8", "length": 1, "offset": 0}]},  # a name that is not a string
    {"arrays": [{"name": "popularity", "dtype": "<f8", "length": 1.5, "offset": 0}]},
    {"arrays": [{"name": "popularity", "dtype": "<f8", "length": True, "offset": 0}]},
    {"arrays": ["popularity"]},
    {"arrays": {"popularity": 1}},
    {"parameters": ["support_threshold", 1]},
    {"modelId": 7},
    {"statistics": "none"},
    {"trainedBy": "someone"},
])
def test_header_fields_of_the_wrong_shape_are_format_errors(header_change):
    header, payload = split(to_bytes(make_model(), MODEL_ID))
    with pytest.raises(ModelFormatError):
        from_bytes(join({**header, **header_change}, payload))


def test_a_header_nested_too_deep_for_the_json_parser_is_a_format_error():
    nested = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        from_bytes(MAGIC + struct.pack("<I", len(nested)) + nested)
