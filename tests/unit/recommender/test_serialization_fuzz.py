"""The model blob loader on blobs made to break it: it only ever raises ModelFormatError, and its memory stays
within a multiple of the blob's size (a crafted header must not make it allocate what the blob does not hold)."""
import struct
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_serialization import MODEL_ID, join, make_model, split

from recommender import ModelFormatError, from_bytes, to_bytes
from recommender.serialization import ALLOWED_DTYPES, MAGIC

VALID = to_bytes(make_model(), MODEL_ID)
HEADER, PAYLOAD = split(VALID)
NAMES = [entry["name"] for entry in HEADER["arrays"]]
MEMORY_PER_BLOB_BYTE = 40
"""A string of the blob costs a Python object and a list slot: tens of bytes per byte at worst."""
MEMORY_CONSTANT = 2 * 2**20

json_values = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                         max_size=4), max_leaves=12)
table_entries = st.fixed_dictionaries({
    "name": st.sampled_from(NAMES) | st.text(max_size=12),
    "dtype": st.sampled_from(sorted(ALLOWED_DTYPES)) | st.text(max_size=4),
    "length": st.integers(-2, 2**40) | st.integers(0, 64),
    "offset": st.integers(-2, 2**40) | st.sampled_from([entry["offset"] for entry in HEADER["arrays"]]),
})


@st.composite
def changed_tables(draw) -> bytes:
    """The real header with some array table entries replaced, and payload bytes changed (checksum made right)."""
    table = [dict(entry) for entry in HEADER["arrays"]]
    for _ in range(draw(st.integers(1, 4))):
        table[draw(st.integers(0, len(table) - 1))] = draw(table_entries)
    payload = bytearray(PAYLOAD)
    for position, value in draw(st.lists(st.tuples(st.integers(0, len(payload) - 1), st.integers(0, 255)),
                                         max_size=8)):
        payload[position] = value
    return join({**HEADER, "arrays": table}, bytes(payload))


@st.composite
def changed_headers(draw) -> bytes:
    """The real payload under a header whose fields are replaced by any JSON values."""
    header = dict(HEADER)
    for key in draw(st.lists(st.sampled_from(list(HEADER) + ["extra"]), min_size=1, max_size=3)):
        header[key] = draw(json_values)
    return join(header, PAYLOAD, fix_checksum=draw(st.booleans()))


@st.composite
def raw_bytes(draw) -> bytes:
    """The magic bytes, a header length that may lie, and any bytes after it (a prefix of the real blob, or not)."""
    length = draw(st.integers(0, 2**32 - 1) | st.integers(0, 4096))
    rest = draw(st.binary(max_size=512) | st.builds(lambda cut: VALID[12:cut], st.integers(12, len(VALID))))
    return MAGIC + struct.pack("<I", length) + rest


@st.composite
def nested_headers(draw) -> bytes:
    """A header of nothing but opening brackets, as deep as the JSON parser's recursion can go and deeper."""
    header = b"[" * draw(st.integers(1, 100_000))
    return MAGIC + struct.pack("<I", len(header)) + header


def load_measuring_memory(blob: bytes) -> int:
    """from_bytes(blob) under tracemalloc: the peak bytes it allocated; only ModelFormatError may escape."""
    tracemalloc.start()
    try:
        from_bytes(blob, expected_model_id=MODEL_ID)
    except ModelFormatError:
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(changed_tables(), changed_headers(), raw_bytes(), nested_headers()))
def test_the_loader_only_raises_the_format_error_with_memory_bounded_by_the_blob(blob):
    assert load_measuring_memory(blob) < MEMORY_PER_BLOB_BYTE * len(blob) + MEMORY_CONSTANT


def test_the_measure_sees_what_a_load_allocates():
    # Guards the bound above: the strings of a model that loads are counted, so an allocation past it would be seen.
    assert load_measuring_memory(VALID) > 64 * len(NAMES)
