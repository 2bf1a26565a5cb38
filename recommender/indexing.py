"""Item and user indices in order of first appearance, whole or from consecutive parts of the events.

The reference numbers items and users in the order they first appear in the
events, and top-k ties are broken by that index: a model trained on parts of
the events (on several machines) must number them the same way to answer the
same. These functions say how, for one column or for parts of it in order.
ItemIdPrefixes indexes a model's item ids by prefix, for the prefix rule.
"""
import bisect
from operator import itemgetter

import numpy as np
import pandas as pd


def first_appearance_codes(ids) -> tuple:
    """(int32 codes, unique ids as an object Index), the uniques in order of first appearance.

    Categorical ids (as the parser gives them) are factorized by their codes, which is fast; the
    uniques come out as plain ids either way.
    """
    codes, uniques = pd.factorize(ids)
    return codes.astype(np.int32), pd.Index(np.asarray(uniques, dtype=object), dtype=object)


def merge_first_appearance(first: pd.Index, second: pd.Index) -> tuple:
    """The first-appearance uniques of two consecutive parts of a column, from each part's own.

    Returns (the ids of `first`, then those of `second` not in it, each in its own order;
    int32 code in that Index of each id of `second`). The merge is associative, so the
    parts can be merged pairwise in a tree.
    """
    # `first` holds distinct ids: factorizing both in turn numbers its ids 0.. and the new ones after them.
    codes, uniques = pd.factorize(np.concatenate([first.to_numpy(dtype=object), second.to_numpy(dtype=object)]))
    return pd.Index(uniques, dtype=object), codes[len(first):].astype(np.int32)


def first_appearance_ranks(parts: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Index of each id, from where it first appears: the number of the part, and its rank within that part.

    Parameters
    ----------
    parts, positions : int arrays, shape (n_ids,), one entry per distinct id (in any order)

    Returns
    -------
    int64 array, shape (n_ids,): the id's index in the first-appearance order of the whole column.
    """
    order = np.lexsort((positions, parts))
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(order.size)
    return ranks


class ItemIdPrefixes:
    """Item indices by id prefix: the ids sorted once, so a prefix is two binary searches."""

    def __init__(self, item_ids: np.ndarray):
        self._order = np.argsort(item_ids, kind="stable")
        self._sorted = item_ids[self._order].tolist()

    def items_with(self, prefix: str) -> np.ndarray:
        """Indices of the items whose id starts with `prefix`."""
        # Ids that start with the prefix are contiguous in sorted order: cut each id to the prefix's length.
        head = itemgetter(slice(len(prefix)))
        low = bisect.bisect_left(self._sorted, prefix, key=head)
        high = bisect.bisect_right(self._sorted, prefix, lo=low, key=head)
        return self._order[low:high]
