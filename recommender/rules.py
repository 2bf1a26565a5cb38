"""Business rules at request time: which items may come back, and at most how many of one category.

- ``include_item_ids``: a candidate list; only these may come back (an empty list: none may).
- ``exclude_item_ids``: never these.
- ``item_id_prefix``: only ids that start with it.
- ``max_per_category`` with an optional ``category_window``: at most N items of one catalog category
  among the first M results (among all of them without a window). Items without a category are never
  capped. Items held back from the window follow it, in rank order.

Rules act while the top k is chosen, never on a list already cut to k, so a
filtered request still returns k items when k eligible items exist; backfilled
items obey the same rules. Ids a model does not know are ignored.
"""
from dataclasses import dataclass
from functools import cached_property
from itertools import islice, repeat
from typing import Optional

import numpy as np

from .exceptions import CategoriesUnavailableError, ConflictingRulesError, InvalidRulesError

MAX_LISTED_ITEM_IDS = 1000
"""Most ids one include or exclude list may hold."""


@dataclass(frozen=True)
class Rules:
    """The rules of one request; hashable, so that answers may be cached by them."""

    include_item_ids: Optional[tuple] = None
    exclude_item_ids: tuple = ()
    item_id_prefix: Optional[str] = None
    max_per_category: Optional[int] = None
    category_window: Optional[int] = None

    def __post_init__(self):
        for name in ("include_item_ids", "exclude_item_ids"):
            ids = getattr(self, name)
            if ids is not None and len(ids) > MAX_LISTED_ITEM_IDS:
                raise InvalidRulesError(f"{name} lists {len(ids)} ids; at most {MAX_LISTED_ITEM_IDS} are allowed")
        for name in ("max_per_category", "category_window"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvalidRulesError(f"{name} must be at least 1, not {value}")
        self.validate(self.include_item_ids, self.exclude_item_ids, self.max_per_category, self.category_window)

    @classmethod
    def validate(cls, include_item_ids=None, exclude_item_ids=None, max_per_category=None, category_window=None):
        """Refuse rules that contradict each other (the web layer calls this on requests, before any Rules).

        :raise ConflictingRulesError: an id both included and excluded; a window without a cap
        """
        if include_item_ids and exclude_item_ids:  # no set unless both lists are given
            both = set(include_item_ids).intersection(exclude_item_ids)
            if both:
                item_id = min(both)
                raise ConflictingRulesError(f"item {item_id!r} is both included and excluded", "exclude_item_ids",
                                            item_id)
        if category_window is not None and max_per_category is None:
            raise ConflictingRulesError("category_window needs max_per_category", "max_per_category")

    @cached_property
    def excluded_ids(self) -> frozenset:
        """The exclude list as a set: a candidate's id is looked up in it, in place of every excluded id in the
        model's index of all ids (a cache miss each, on large models)."""
        return frozenset(self.exclude_item_ids)

    @property
    def lists_items(self) -> bool:
        """Does a rule name items one by one (a key too varied to cache answers by)?"""
        return self.include_item_ids is not None or bool(self.exclude_item_ids)


FIRST_BLOCK = 64
"""Candidates are checked against the rules this many at first, then four times more each block: most
answers under rules need a few dozen."""


@dataclass
class ItemFilter:
    """Rules compiled against one model's items.

    Attributes
    ----------
    item_ids : object array, shape (n_items,), the model's item ids
    allowed : bool array, shape (n_items,), the items an include list and a prefix let through, so that a row,
        a dense score vector or the popular items are filtered by one gather; None when neither rule is set
    excluded_ids : the exclude list, looked up as candidates are read (allowed_in_order): a candidate's id is
        in cache, while looking each excluded id up in the model's index of all ids is a cache miss or more
    category_codes : int array, shape (n_items,), each item's category (-1: none); None without a cap
    max_per_category, category_window : the cap (None: no cap; window None: the whole list)
    """

    item_ids: np.ndarray
    allowed: Optional[np.ndarray] = None
    excluded_ids: frozenset = frozenset()
    category_codes: Optional[np.ndarray] = None
    max_per_category: Optional[int] = None
    category_window: Optional[int] = None

    @classmethod
    def build(cls, rules: Rules, model) -> "ItemFilter":
        """Compile `rules` for `model` (a SARModel). :raise CategoriesUnavailableError:"""
        allowed = None
        if rules.include_item_ids is not None:
            allowed = np.zeros(model.n_items, dtype=bool)
            allowed[_known_indices(rules.include_item_ids, model.item_index)] = True
        if rules.item_id_prefix:
            with_prefix = np.zeros(model.n_items, dtype=bool)
            with_prefix[model.item_id_prefixes.items_with(rules.item_id_prefix)] = True
            allowed = with_prefix if allowed is None else allowed & with_prefix
        return cls(model.item_ids, allowed, rules.excluded_ids, capped_codes(rules, model), rules.max_per_category,
                   rules.category_window)

    @property
    def extra_depth(self) -> int:
        """How many more candidates than an answer needs to rank: the exclude list can refuse this many."""
        return len(self.excluded_ids)

    @property
    def caps_categories(self) -> bool:
        return self.category_codes is not None

    def keep(self, items: np.ndarray, scores: np.ndarray):
        """The (items, scores) the include list and the prefix let through."""
        if self.allowed is None:
            return items, scores
        keep = self.allowed[items]
        return items[keep], scores[keep]

    def zero_disallowed(self, scores: np.ndarray):
        """Set the dense scores of every item the include list or the prefix refuses to 0 (in place), so they
        are never ranked."""
        if self.allowed is not None:
            np.multiply(scores, self.allowed, out=scores)

    def allowed_except(self, refused: list) -> np.ndarray:
        """The include list's and the prefix's mask (all items without them), with the items of each array in
        `refused` refused too: a new array."""
        allowed = np.ones(len(self.item_ids), dtype=bool) if self.allowed is None else self.allowed.copy()
        for items in refused:
            allowed[items] = False
        return allowed

    def choose(self, items: np.ndarray, k: int, complete: bool) -> Optional[np.ndarray]:
        """Positions in `items` (candidates, best first) of the k to return: the allowed ones, under the cap.

        None when the candidates given cannot settle the answer and more of them exist (`complete` is false).
        """
        positions, ran_out = choose_in_order(self.allowed_in_order(items), k, self.max_per_category,
                                             self.category_window)
        return None if ran_out and not complete else np.array(positions, dtype=np.int64)

    def allowed_in_order(self, items: np.ndarray):
        """(position, category code; -1 without a cap) of each of `items` (best first) the rules allow, in
        order, read in growing blocks."""
        start, size = 0, FIRST_BLOCK
        while start < items.size:
            stop = min(start + size, items.size)
            block, positions = items[start:stop], range(start, stop)
            if self.allowed is not None:
                kept = np.flatnonzero(self.allowed[block])
                block, positions = block[kept], (kept + start).tolist()
            codes = self.category_codes[block].tolist() if self.caps_categories else repeat(-1)
            if self.excluded_ids:
                excluded = self.excluded_ids
                for position, item_id, code in zip(positions, self.item_ids[block].tolist(), codes):
                    if item_id not in excluded:
                        yield position, code
            else:
                yield from zip(positions, codes)
            start, size = stop, size * 4


def capped_codes(rules: Rules, model) -> Optional[np.ndarray]:
    """The item category codes a category cap reads; None when the rules set no cap.

    :raise CategoriesUnavailableError: the rules cap categories and the model (a SARModel) has none
    """
    if rules.max_per_category is None:
        return None
    if model.category_codes is None:
        raise CategoriesUnavailableError("this model holds no item categories (trained without a catalog)")
    return model.category_codes


def choose_in_order(candidates, k: int, max_per_category: Optional[int], category_window: Optional[int]):
    """The category cap, greedily: (the chosen candidates' positions, whether `candidates` ran out first).

    `candidates` yields (position, category code; -1: none) best first, and is read only as far as needed;
    without a cap (max_per_category None) the first k are chosen. When the candidates run out first, the
    positions are the answer only if no more candidates exist.
    """
    if max_per_category is None:
        positions = [position for position, _ in islice(candidates, k)]
        return positions, len(positions) < k
    # A loop, not array operations: it stops where the window fills, a few dozen candidates in (about a
    # hundred for a personalized request, whose best scores gather in the user's own categories).
    window = k if category_window is None else min(category_window, k)
    taken_per_category, fitting, held_back = {}, [], []
    candidates = iter(candidates)
    for position, code in candidates:
        if code >= 0:
            taken = taken_per_category.get(code, 0)
            taken_per_category[code] = taken + 1
            if taken >= max_per_category:
                held_back.append(position)
                continue
        fitting.append(position)
        if len(fitting) == window:
            break
    else:  # the window is not full: more candidates could fill it; without more it ends the list
        return fitting, True
    # Past the window nothing is capped: the held-back candidates, then the next ones, in rank order.
    after_window = held_back[:k - window]
    after_window += [position for position, _ in islice(candidates, k - window - len(after_window))]
    return fitting + after_window, len(after_window) < k - window


def _known_indices(item_ids, item_index: dict) -> np.ndarray:
    """Indices of the ids the model knows (unknown ones are ignored)."""
    codes = np.fromiter(map(item_index.get, item_ids, repeat(-1)), dtype=np.int64, count=len(item_ids))
    return codes[codes >= 0]
