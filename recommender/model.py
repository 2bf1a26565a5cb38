"""A trained SAR model and its scoring: item-to-item and personalized."""
import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .affinity import event_affinities, sum_by_item
from .events import latest_timestamp
from .parameters import SARParameters
from .ranking import Recommendation, SeedCandidates, backfill, top_k_dense, top_k_excluding
from .row_sums import weighted_row_sum
from .rules import ItemFilter, ItemIdPrefixes, Rules

CAP_DEPTH = 16
"""Under a category cap, candidates are ranked this many times k deep at first, and this many times deeper on
each retry: a ranking costs a pass over the scores whatever its depth, so a deep first one spares retries."""


@dataclass(eq=False)
class SARModel:
    """Item similarity, popularity and (optionally) user affinity of a trained model.

    Attributes
    ----------
    item_ids : object array, shape (n_items,), item id of each index
    similarity : csr_matrix, shape (n_items, n_items), float64, symmetric
    popularity : int array, shape (n_items,), distinct users per item
    reference_time : t_ref of the training data (NaN when no event had a timestamp)
    user_ids : object array, shape (n_users,), or None without user-to-item
    user_affinity : csr_matrix, shape (n_users, n_items), or None
    item_categories : object array, shape (n_items,), each item's catalog category (None: none), or None
        for a model trained without a catalog
    """

    params: SARParameters
    item_ids: np.ndarray
    similarity: sp.csr_matrix
    popularity: np.ndarray
    reference_time: float
    user_ids: Optional[np.ndarray] = None
    user_affinity: Optional[sp.csr_matrix] = None
    statistics: dict = field(default_factory=dict)
    item_categories: Optional[np.ndarray] = None

    def __post_init__(self):
        if self.item_categories is not None and len(self.item_categories) != len(self.item_ids):
            raise ValueError(f"{len(self.item_categories)} item categories for {len(self.item_ids)} items")

    @classmethod
    def fit(cls, events, params: SARParameters, progress=None) -> "SARModel":
        """Train on an event table; see recommender.training.fit."""
        from .training import fit

        return fit(events, params, progress)

    @property
    def n_items(self) -> int:
        """Number of items the model knows."""
        return len(self.item_ids)

    @cached_property
    def nbytes(self) -> int:
        """Approximate memory of the model: its arrays, its id strings and their lookup dicts."""
        matrices = [m for m in (self.similarity, self.user_affinity) if m is not None]
        arrays = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in matrices) + self.popularity.nbytes
        ids = [ids for ids in (self.item_ids, self.user_ids, self.item_categories) if ids is not None]
        per_id = 200  # a short str object, its array slot and its dict entry
        return arrays + per_id * sum(len(i) for i in ids)

    @cached_property
    def item_index(self) -> dict:
        """Item id -> index."""
        return {item_id: index for index, item_id in enumerate(self.item_ids)}

    @cached_property
    def user_index(self) -> dict:
        """User id -> row of user_affinity (empty without user-to-item)."""
        if self.user_ids is None:
            return {}
        return {user_id: index for index, user_id in enumerate(self.user_ids)}

    @cached_property
    def popular_items(self) -> np.ndarray:
        """Item indices, most popular first, ties by index."""
        return np.lexsort((np.arange(self.n_items), -self.popularity))

    @cached_property
    def category_codes(self) -> Optional[np.ndarray]:
        """Each item's category as an int (-1: none), or None without categories."""
        if self.item_categories is None:
            return None
        return pd.factorize(self.item_categories)[0]

    @cached_property
    def item_id_prefixes(self) -> ItemIdPrefixes:
        """Item indices by id prefix (built on the first request that asks for a prefix)."""
        return ItemIdPrefixes(self.item_ids)

    def with_item_categories(self, item_ids, categories) -> "SARModel":
        """This model with the category of each of its items that `item_ids` (a catalog) lists; blank is none."""
        categories = pd.Series(categories, index=pd.Index(item_ids), dtype=object)
        aligned = categories[~categories.index.duplicated()].reindex(self.item_ids).to_numpy(dtype=object, copy=True)
        aligned[pd.isna(aligned) | (aligned == "")] = None
        return dataclasses.replace(self, item_categories=aligned)

    def similar_items(self, item_id: str, k: int = 10, rules: Optional[Rules] = None,
                      candidates: Optional[SeedCandidates] = None) -> list:
        """Top k items for one seed item (its similarity row), then backfill; `rules` filter both.

        `candidates` are the seed's, ranked already (seed_candidates), which a caller may keep for requests
        whose rules vary, such as exclude lists: the rules then go through them in order, and the row is
        ranked again only when they refuse too many of them.

        :raise CategoriesUnavailableError: the rules cap categories and the model has none
        """
        item_filter = self._item_filter(rules)
        if candidates is not None and item_filter is not None:
            chosen = item_filter.choose(candidates.items, k, candidates.complete)
            if chosen is not None:
                return self._recommendations(candidates.items[chosen], candidates.scores[chosen])
        index = self.item_index.get(item_id)
        if index is None:
            return self._pick(None, k, item_filter, never=np.empty(0, np.int64))
        items, scores = self._row(index)
        seeds = self._seeds_left_out(index)
        if item_filter is None:
            return self._pick(lambda depth: top_k_excluding(items, scores, depth, seeds), k, None, never=seeds)
        filtered_row = []  # the row through the include list and the prefix, once

        def best_allowed(depth):
            if not filtered_row:
                filtered_row.extend(item_filter.keep(items, scores))
            return top_k_excluding(*filtered_row, depth, seeds)

        return self._pick(best_allowed, k, item_filter, never=seeds)

    def seed_candidates(self, item_id: str, depth: int) -> Optional[SeedCandidates]:
        """The seed's candidates before any rule (see SeedCandidates): its best `depth` row entries, then, when
        the row holds fewer, up to `depth` popular ones; None for an unknown item."""
        index = self.item_index.get(item_id)
        if index is None:
            return None
        seeds = self._seeds_left_out(index)
        items, scores = top_k_excluding(*self._row(index), depth, seeds)
        complete = items.size < depth  # every positive entry of the row
        if complete and self.params.enable_backfilling:
            filling = backfill(self.popular_items, np.concatenate([seeds, items]), depth)
            complete = filling.size < depth
            items, scores = np.concatenate([items, filling]), np.concatenate([scores, np.zeros(filling.size)])
        items, scores = items.copy(), scores.copy()  # own arrays, not views that keep a larger one alive
        items.flags.writeable = scores.flags.writeable = False  # shared by every request that reads it
        return SeedCandidates(items, scores, complete)

    def _seeds_left_out(self, index: int) -> np.ndarray:
        """The seed itself, unless the model's parameters allow seed items back."""
        return np.array([index]) if not self.params.allow_seed_items else np.empty(0, np.int64)

    def _row(self, index: int) -> tuple:
        """(item indices, scores) of a similarity row, as stored (views, not copies)."""
        start, stop = self.similarity.indptr[index], self.similarity.indptr[index + 1]
        return self.similarity.indices[start:stop], self.similarity.data[start:stop]

    def recommend(self, user_id: Optional[str] = None, events=None, k: int = 10,
                  rules: Optional[Rules] = None) -> list:
        """Top k items for a user's stored history and/or a list of events, then backfill; `rules` filter both.

        `events` is an event table (recommender.events) without user_id, or a
        mapping of its item_id, timestamp and weight columns (lighter for a few
        events), or None. Items the model does not know are ignored. With both, t_ref is the later
        of the training t_ref and the latest event sent.

        :raise CategoriesUnavailableError: the rules cap categories and the model has none
        """
        item_filter = self._item_filter(rules)
        seeds, affinities = self._seed_affinities(user_id, events)
        if seeds.size == 0:
            return self._pick(None, k, item_filter, never=seeds)
        scores = self._score(seeds, affinities)
        if not self.params.allow_seed_items:
            scores[seeds] = 0.0  # not positive, so never ranked
        if item_filter is not None:
            item_filter.zero_disallowed(scores)
        never = seeds if not self.params.allow_seed_items else seeds[:0]
        return self._pick(lambda depth: top_k_dense(scores, depth), k, item_filter, never=never, dense_scores=scores)

    def score_items(self, item_ids: Sequence[str], user_id: Optional[str] = None, events=None) -> list:
        """The personalized score of each of `item_ids` (None for an item the model does not know), in order.

        The same score recommend ranks by, for the user's history and/or the events (see recommend);
        an item the user already has gets its score too.
        """
        codes = np.array([self.item_index.get(item_id, -1) for item_id in item_ids], dtype=np.int64)
        known = codes >= 0
        seeds, affinities = self._seed_affinities(user_id, events)
        values = np.zeros(codes.size)
        if seeds.size and known.any():
            values[known] = self._score(seeds, affinities)[codes[known]]  # bit for bit what recommend ranks by
        return [float(value) if is_known else None for value, is_known in zip(values.tolist(), known.tolist())]

    def recommend_for_users(self, user_ids: Sequence[str], k: int = 10) -> list:
        """recommend(user_id) for each user: a list of lists of Recommendation."""
        return [self.recommend(user_id=user_id, k=k) for user_id in user_ids]

    def _seed_affinities(self, user_id, events):
        """(seed item indices, their affinities) from history and request events."""
        parts_items, parts_values = [], []
        reference_time = self.reference_time
        # Each column read once, as an array: a DataFrame's column access and iteration cost more than the scoring.
        item_ids = np.asarray(events["item_id"], dtype=object) if events is not None else ()
        if len(item_ids):
            # A dict lookup per event: request lists are short, and pandas' map costs more here.
            codes = np.array([self.item_index.get(item_id, -1) for item_id in item_ids.tolist()], dtype=np.int64)
            known = codes >= 0
            timestamps = np.asarray(events["timestamp"], dtype=np.float64)[known]
            reference_time = np.fmax(reference_time, latest_timestamp(timestamps))
            weights = np.asarray(events["weight"], dtype=np.float64)[known]
            contributions = event_affinities(timestamps, weights, reference_time, self.params)
            parts_items.append(codes[known])
            parts_values.append(contributions)
        row = self.user_index.get(user_id) if user_id is not None else None
        if row is not None:
            start, stop = self.user_affinity.indptr[row], self.user_affinity.indptr[row + 1]
            history = self.user_affinity.data[start:stop]
            if self.params.enable_user_affinity and reference_time > self.reference_time:
                # Moving t_ref scales every stored affinity of the user by one factor.
                history = history * 0.5 ** ((reference_time - self.reference_time) / self.params.half_life_seconds)
            parts_items.append(self.user_affinity.indices[start:stop].astype(np.int64))
            parts_values.append(history)
        if not parts_items:
            return np.empty(0, np.int64), np.empty(0)
        items, values = sum_by_item(np.concatenate(parts_items), np.concatenate(parts_values))
        if not self.params.enable_user_affinity:
            values = np.ones_like(values)
        return items, values

    def _score(self, seeds: np.ndarray, affinities: np.ndarray) -> np.ndarray:
        """Dense scores of every item: sum_j a_j * S[j, :], one pass over the seeds' rows."""
        return weighted_row_sum(self.similarity, seeds, affinities)

    def _item_filter(self, rules: Optional[Rules]) -> Optional[ItemFilter]:
        return ItemFilter.build(rules, self) if rules is not None else None

    def _pick(self, ranked, k: int, item_filter: Optional[ItemFilter], never: np.ndarray, dense_scores=None) -> list:
        """The k items to return: scored ones best first, then (backfilling) popular ones with score 0.

        `ranked(depth)` gives the best `depth` (items, scores) the include list and the prefix allow (`ranked`
        is None when nothing is scored); `never` are items backfill must skip (the seeds); `dense_scores` the
        scores of every item, whose negative ones backfill skips too. The exclude list and the category cap
        act while the candidates are chosen in rank order (ItemFilter.choose), which ranks deeper until they
        are met or no candidate is left.
        """
        if item_filter is None:
            depth = k
        else:
            depth = (CAP_DEPTH * k if item_filter.caps_categories else k) + item_filter.extra_depth
        while True:
            items, scores = ranked(depth) if ranked is not None else (never[:0], np.empty(0))
            complete = items.size < depth
            if complete and self.params.enable_backfilling:
                skipped = [never, items]
                if dense_scores is not None:
                    skipped.append(np.flatnonzero(dense_scores < 0))  # the user's own signals speak against these
                if item_filter is None:
                    filling = backfill(self.popular_items, np.concatenate(skipped), depth - items.size)
                else:
                    filling = backfill(self.popular_items, never[:0], depth - items.size,
                                       allowed=item_filter.allowed_except(skipped))
                complete = filling.size < depth - items.size
                items, scores = np.concatenate([items, filling]), np.concatenate([scores, np.zeros(filling.size)])
            chosen = item_filter.choose(items, k, complete) if item_filter is not None else slice(None, k)
            if chosen is not None:
                return self._recommendations(items[chosen], scores[chosen])
            depth *= CAP_DEPTH

    def _recommendations(self, items: np.ndarray, scores: np.ndarray) -> list:
        # _make: the named constructor's keyword handling costs more than the rest of a cached answer's miss
        return list(map(Recommendation._make, zip(self.item_ids[items].tolist(), scores.tolist())))
