"""The catalog's item names on a model: aligned to its items, counted in its memory, kept by the blob format."""
import dataclasses
import json
import struct

import numpy as np
import pytest

from recommender import ModelFormatError, SARParameters, fit, from_bytes, make_events, to_bytes
from recommender.serialization import MAGIC

MODEL_ID = "6f1c2b9e-0000-4000-8000-000000000002"


@pytest.fixture(scope="module")
def model():
    """Items i1, i2, i3 (in that order), no names."""
    return fit(make_events(["u1", "u1", "u2", "u2"], ["i1", "i2", "i2", "i3"]), SARParameters(support_threshold=1))


def array_names(blob: bytes) -> set:
    (length,) = struct.unpack_from("<I", blob, len(MAGIC))
    return {entry["name"] for entry in json.loads(blob[len(MAGIC) + 4:len(MAGIC) + 4 + length])["arrays"]}


def test_names_follow_the_models_items_whatever_the_catalogs_order(model):
    named = model.with_item_names(["i3", "other", "i1", "i3", "i2"], ["Third", "Other", "First", "Later", ""])
    # i3: the catalog's first line wins; i2: a blank name is none; "other" is not an item of the model
    assert named.item_names.tolist() == ["First", None, "Third"]
    assert model.item_names is None  # a new model; the original keeps none


def test_an_item_the_catalog_lacks_has_no_name(model):
    assert model.with_item_names(["i2"], ["Second"]).item_names.tolist() == [None, "Second", None]


def test_names_count_in_the_models_memory_like_ids(model):
    ids, labels = ["i1", "i2", "i3"], ["a", "b", "c"]
    added_by_names = model.with_item_names(ids, labels).nbytes - model.nbytes
    assert added_by_names > 0
    assert added_by_names == model.with_item_categories(ids, labels).nbytes - model.nbytes  # a string per item


def test_names_of_the_wrong_length_are_refused(model):
    with pytest.raises(ValueError, match="item_names"):
        dataclasses.replace(model, item_names=np.array(["a"], dtype=object))


def test_names_survive_a_round_trip_and_an_item_without_one_stays_without(model):
    named = model.with_item_names(["i1", "i3"], ["Caf\u00e9, \"the\" one \U0001F642", "\u65e5\u672c"])
    loaded = from_bytes(to_bytes(named, MODEL_ID))
    assert loaded.item_names.tolist() == ["Caf\u00e9, \"the\" one \U0001F642", None, "\u65e5\u672c"]


def test_a_model_without_names_stores_no_name_array_and_loads_with_none(model):
    """A blob stored before names existed holds no name array: it loads with none."""
    blob = to_bytes(model, MODEL_ID)
    assert not {name for name in array_names(blob) if name.startswith("item_names")}
    assert from_bytes(blob).item_names is None
    named_blob = to_bytes(model.with_item_names(["i1"], ["One"]), MODEL_ID)
    assert {"item_names_utf8", "item_names_offsets"} <= array_names(named_blob)


def test_names_that_do_not_fit_the_items_are_a_format_error(model):
    named = model.with_item_names(["i1"], ["One"])
    named.item_names = np.array(["One", "Two"], dtype=object)  # assigned after construction: not checked there
    with pytest.raises(ModelFormatError, match="item_names"):
        from_bytes(to_bytes(named, MODEL_ID))
