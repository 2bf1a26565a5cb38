"""A safe, versioned, self-describing byte format for SARModel (no pickle anywhere).

Layout: MAGIC, a 4-byte little-endian header length, a UTF-8 JSON header
(padded with spaces so that the payload starts 64-byte aligned), then the
payload: raw little-endian arrays, each 64-byte aligned. The header holds
the format version, the model's id and what trained it, the parameters, the
payload's SHA-256 and a table of the arrays (name, dtype, length, offset in
the payload). Loading caps the header before parsing it, checks the
checksum and the model id the caller expects, accepts only plain numeric
dtypes, and maps the arrays onto the blob without copying them, so a large
model loads at the speed of hashing it. Arrays of optional parts (user
affinity, item categories, trending popularity) are absent when a model has
none, so a blob without a part added later still loads: a blob stored before
trending existed loads with none (nothing is computed; trending then falls
back to all-time popularity). Blobs of formats 1 (an .npz payload) and 2 (no
model id: another model's blob could pass for it) are refused: such models
must be trained again.
"""
import dataclasses
import hashlib
import json
import struct
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .exceptions import ModelFormatError, ModelIdentityError
from .model import SARModel
from .parameters import SARParameters

MAGIC = b"SARMODEL"
FORMAT_VERSION = 3
MAX_HEADER_BYTES = 1_048_576
"""Default cap on the JSON header, checked before parsing it (a real header holds a few kilobytes)."""
ALIGNMENT = 64
ALLOWED_DTYPES = {"<i4", "<i8", "<f8", "|u1"}
"""Plain numbers only: an object dtype (the way pickle gets into numpy files) is refused."""
INTEGER_SUFFIXES = ("_indptr", "_indices", "_offsets", "_codes", "_shape")
"""Arrays that index other arrays: a float there would fail mid-request instead of at load."""


def to_bytes(model: SARModel, model_id: str, trained_by: Optional[dict] = None) -> bytes:
    """Serialize a model stored as `model_id`; `trained_by` (JSON values) says what trained it."""
    arrays = {
        "popularity": model.popularity,
        **_csr_arrays("similarity", model.similarity),
        **_string_arrays("item_ids", model.item_ids),
    }
    if model.user_affinity is not None:
        arrays.update(_csr_arrays("user_affinity", model.user_affinity))
        arrays.update(_string_arrays("user_ids", model.user_ids))
    if model.item_categories is not None:
        arrays.update(_category_arrays(model.item_categories))
    if model.trending is not None:
        arrays["trending"] = np.asarray(model.trending, dtype=np.float64)
    table, parts, offset = [], [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        table.append({"name": name, "dtype": array.dtype.str, "length": int(array.size), "offset": offset})
        padding = -array.nbytes % ALIGNMENT
        parts += [memoryview(array).cast("B"), b"\0" * padding]
        offset += array.nbytes + padding
    payload = b"".join(parts)
    header = json.dumps({
        "formatVersion": FORMAT_VERSION,
        "modelId": model_id,
        "trainedBy": trained_by or {},
        "sha256": hashlib.sha256(payload).hexdigest(),
        "parameters": {key: getattr(value, "value", value) for key, value in dataclasses.asdict(model.params).items()},
        "referenceTime": None if np.isnan(model.reference_time) else model.reference_time,
        "statistics": model.statistics,
        "arrays": table,
    }).encode("utf-8")
    header += b" " * (-(len(MAGIC) + 4 + len(header)) % ALIGNMENT)
    return b"".join([MAGIC, struct.pack("<I", len(header)), header, payload])


def from_bytes(blob: bytes, *, expected_model_id: Optional[str] = None,
               max_header_bytes: int = MAX_HEADER_BYTES) -> SARModel:
    """Load a model written by to_bytes; ModelFormatError for anything else, ModelIdentityError for the blob of
    a model other than `expected_model_id` (when given).

    The model's arrays are read-only views of `blob`, which they keep alive.
    """
    header, payload_start = _split(blob, max_header_bytes)
    _check_header(header)
    if expected_model_id is not None and header["modelId"] != expected_model_id:
        raise ModelIdentityError(f"the blob holds model {header['modelId'][:64]!r}, not {expected_model_id!r}")
    payload = memoryview(blob)[payload_start:]
    if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
        raise ModelFormatError("model payload does not match its checksum")
    try:
        arrays = _arrays(blob, payload_start, len(payload), header["arrays"])
        has_users = "user_affinity_indptr" in arrays
        reference_time = header["referenceTime"]
        model = SARModel(
            params=SARParameters(**header["parameters"]),
            item_ids=_strings(arrays, "item_ids"),
            similarity=_csr(arrays, "similarity"),
            popularity=arrays["popularity"],
            reference_time=np.nan if reference_time is None else float(reference_time),
            user_ids=_strings(arrays, "user_ids") if has_users else None,
            user_affinity=_csr(arrays, "user_affinity") if has_users else None,
            statistics=header.get("statistics") or {},
            item_categories=_categories(arrays) if "item_category_codes" in arrays else None,
            trending=arrays.get("trending"),
        )
        _check_shapes(model)
        return model
    except (KeyError, ValueError, TypeError, IndexError, OverflowError, UnicodeDecodeError) as error:
        raise ModelFormatError(f"model payload is malformed: {error}") from error


def _check_header(header: dict) -> None:
    """The header's fields are of the types the loader reads, so a crafted one fails here as a format error."""
    if header.get("formatVersion") != FORMAT_VERSION:
        raise ModelFormatError(f"unknown model format version {header.get('formatVersion')!r} "
                               f"(this build reads {FORMAT_VERSION}; train the model again)")
    expected = {"modelId": str, "sha256": str, "parameters": dict, "trainedBy": dict, "arrays": list}
    for key, kind in expected.items():
        if not isinstance(header.get(key), kind):
            raise ModelFormatError(f"model header field {key!r} is missing or not a {kind.__name__}")
    if not isinstance(header.get("statistics", {}), dict):
        raise ModelFormatError("model header field 'statistics' is not an object")
    for entry in header["arrays"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("dtype"), str)
                and all(type(entry.get(key)) is int for key in ("length", "offset"))):
            raise ModelFormatError(f"model array table entry {str(entry)[:100]} is malformed")


def _check_shapes(model: SARModel):
    """The arrays must fit together: a crafted blob fails here, not with an IndexError mid-request."""
    n_items = len(model.item_ids)
    if model.similarity.shape != (n_items, n_items) or len(model.popularity) != n_items:
        raise ValueError(f"similarity {model.similarity.shape} and popularity ({len(model.popularity)}) "
                         f"do not fit {n_items} items")
    if model.user_affinity is not None and model.user_affinity.shape != (len(model.user_ids), n_items):
        raise ValueError(f"user affinity {model.user_affinity.shape} does not fit {len(model.user_ids)} users "
                         f"and {n_items} items")
    for name in ("item_categories", "trending"):
        values = getattr(model, name)
        if values is not None and len(values) != n_items:
            raise ValueError(f"{len(values)} values of {name} for {n_items} items")


def _split(blob: bytes, max_header_bytes: int):
    """(header dict, offset of the payload)."""
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4:
        raise ModelFormatError("not a serialized SAR model (bad magic bytes)")
    (header_length,) = struct.unpack_from("<I", blob, len(MAGIC))
    if header_length > max_header_bytes:
        raise ModelFormatError(f"model header of {header_length} bytes is over the limit of {max_header_bytes}")
    header_end = len(MAGIC) + 4 + header_length
    if header_end > len(blob):
        raise ModelFormatError(f"model header of {header_length} bytes runs past the end of the blob")
    try:
        header = json.loads(bytes(memoryview(blob)[len(MAGIC) + 4:header_end]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # RecursionError: "[[[[..." nested too deep
        raise ModelFormatError(f"model header is not valid JSON: {error}") from error
    if not isinstance(header, dict):
        raise ModelFormatError("model header is not a JSON object")
    return header, header_end


def _arrays(blob: bytes, payload_start: int, payload_length: int, table) -> dict:
    """Name -> read-only array viewing the blob, after checking each entry of the table."""
    arrays = {}
    for entry in table:
        name, dtype, length, offset = entry["name"], entry["dtype"], entry["length"], entry["offset"]
        if dtype not in ALLOWED_DTYPES:
            raise ModelFormatError(f"array {name!r} has the dtype {dtype!r}; only plain numbers are allowed")
        if name.endswith(INTEGER_SUFFIXES) and np.dtype(dtype).kind != "i":
            raise ModelFormatError(f"array {name!r} holds positions and must be of integers, not {dtype!r}")
        if length < 0 or offset < 0:
            raise ModelFormatError(f"array {name!r} has a bad length or offset")
        if offset + length * np.dtype(dtype).itemsize > payload_length:
            raise ModelFormatError(f"array {name!r} runs past the end of the payload")
        arrays[name] = np.frombuffer(blob, dtype=dtype, count=length, offset=payload_start + offset)
    return arrays


def _csr_arrays(name, matrix: sp.csr_matrix) -> dict:
    return {f"{name}_indptr": matrix.indptr, f"{name}_indices": matrix.indices,
            f"{name}_data": matrix.data, f"{name}_shape": np.asarray(matrix.shape, dtype=np.int64)}


def _csr(arrays, name) -> sp.csr_matrix:
    shape = tuple(int(n) for n in arrays[f"{name}_shape"])
    if len(shape) != 2:
        raise ValueError(f"{name} has shape {shape}, not two dimensions")
    matrix = sp.csr_matrix((arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]), shape=shape)
    matrix.check_format(full_check=True)  # a crafted blob must fail here, not mid-request
    return matrix


def _category_arrays(item_categories) -> dict:
    """Each item's category as an int32 code (-1: none) and the distinct category names (added in format 2)."""
    codes, names = pd.factorize(item_categories)
    return {"item_category_codes": codes.astype(np.int32), **_string_arrays("item_category_names", names)}


def _categories(arrays) -> np.ndarray:
    codes = arrays["item_category_codes"]
    names = _strings(arrays, "item_category_names")
    if codes.size and not (-1 <= codes.min() and codes.max() < len(names)):
        raise ValueError("item_category_codes point outside item_category_names")
    return np.append(names, None)[codes]  # code -1 picks the None at the end


def _string_arrays(name, strings) -> dict:
    encoded = [value.encode("utf-8") for value in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(value) for value in encoded], out=offsets[1:])
    return {f"{name}_utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8), f"{name}_offsets": offsets}


def _strings(arrays, name) -> np.ndarray:
    data = arrays[f"{name}_utf8"].tobytes()
    offsets = arrays[f"{name}_offsets"].tolist()
    if offsets[:1] != [0] or offsets[-1] != len(data) or any(a > b for a, b in zip(offsets, offsets[1:])):
        raise ValueError(f"{name} offsets do not cut its bytes into strings")
    return np.array([data[a:b].decode("utf-8") for a, b in zip(offsets[:-1], offsets[1:])], dtype=object)
