"""recommender.indexing: the first-appearance order of a column, rebuilt from consecutive parts of it."""
import functools

import numpy as np
import pandas as pd
import pytest

from recommender.indexing import first_appearance_codes, first_appearance_ranks, merge_first_appearance


def random_column(seed: int, n: int = 500):
    rng = np.random.default_rng(seed)
    return np.array([f"id{value}" for value in rng.zipf(1.5, n) % 97], dtype=object)


def random_cuts(seed: int, n: int, parts: int) -> list:
    cuts = np.sort(np.random.default_rng(seed).integers(0, n, parts - 1))
    return [0, *cuts.tolist(), n]  # some parts may be empty


@pytest.mark.parametrize("seed", range(5))
def test_merging_the_parts_uniques_in_any_tree_gives_the_whole_columns(seed):
    column = random_column(seed)
    cuts = random_cuts(seed, len(column), parts=7)
    parts = [first_appearance_codes(column[a:b])[1] for a, b in zip(cuts[:-1], cuts[1:])]
    expected = list(pd.unique(column))

    left_fold = functools.reduce(lambda a, b: merge_first_appearance(a, b)[0], parts)
    right_fold = functools.reduce(lambda b, a: merge_first_appearance(a, b)[0], reversed(parts))
    assert list(left_fold) == expected and list(right_fold) == expected
    merged, codes = merge_first_appearance(parts[0], parts[1])
    np.testing.assert_array_equal(merged.to_numpy()[codes], parts[1].to_numpy())


@pytest.mark.parametrize("seed", range(5))
def test_ranks_from_first_part_and_position_are_the_whole_columns_codes(seed):
    column = random_column(seed)
    cuts = random_cuts(seed + 100, len(column), parts=5)
    first_seen = {}  # id -> (part, rank of first appearance within that part)
    for number, (a, b) in enumerate(zip(cuts[:-1], cuts[1:])):
        for position, value in enumerate(pd.unique(column[a:b])):
            first_seen.setdefault(value, (number, position))
    ids = list(first_seen)[::-1]  # in any order
    ranks = first_appearance_ranks(np.array([first_seen[i][0] for i in ids]), np.array([first_seen[i][1] for i in ids]))
    codes, uniques = first_appearance_codes(column)
    assert [uniques[rank] for rank in ranks] == ids
    assert uniques.dtype == object and codes.dtype == np.int32


def test_categorical_ids_come_out_as_plain_ids():
    column = pd.Series(pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a"]))
    codes, uniques = first_appearance_codes(column)
    assert list(uniques) == ["b", "a", "c"] and uniques.dtype == object
    np.testing.assert_array_equal(codes, [0, 1, 0, 2])
