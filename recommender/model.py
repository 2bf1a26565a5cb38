"""A trained SAR model and its scoring: item-to-item and personalized."""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional, Sequence

import numpy as np
import scipy.sparse as sp

from .affinity import event_affinities, sum_by_item
from .events import latest_timestamp
from .parameters import SARParameters
from .ranking import Recommendation, backfill, top_k_dense, top_k_excluding


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
    """

    params: SARParameters
    item_ids: np.ndarray
    similarity: sp.csr_matrix
    popularity: np.ndarray
    reference_time: float
    user_ids: Optional[np.ndarray] = None
    user_affinity: Optional[sp.csr_matrix] = None
    statistics: dict = field(default_factory=dict)

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
        ids = [ids for ids in (self.item_ids, self.user_ids) if ids is not None]
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

    def similar_items(self, item_id: str, k: int = 10) -> list:
        """Top k items for one seed item (its similarity row), then backfill."""
        index = self.item_index.get(item_id)
        if index is None:
            return self._with_backfill([], np.empty(0, np.int64), k)
        start, stop = self.similarity.indptr[index], self.similarity.indptr[index + 1]
        seeds = np.array([index]) if not self.params.allow_seed_items else np.empty(0, np.int64)
        items, scores = top_k_excluding(self.similarity.indices[start:stop], self.similarity.data[start:stop], k, seeds)
        return self._with_backfill(self._recommendations(items, scores), np.concatenate([seeds, items]), k)

    def recommend(self, user_id: Optional[str] = None, events=None, k: int = 10) -> list:
        """Top k items for a user's stored history and/or a list of events, then backfill.

        `events` is an event table (recommender.events) without user_id, or a
        mapping of its item_id, timestamp and weight columns (lighter for a few
        events), or None. Items the model does not know are ignored. With both, t_ref is the later
        of the training t_ref and the latest event sent.
        """
        seeds, affinities = self._seed_affinities(user_id, events)
        if seeds.size == 0:
            return self._with_backfill([], seeds, k)
        scores = self._score(seeds, affinities)
        if not self.params.allow_seed_items:
            scores[seeds] = 0.0  # not positive, so never ranked
        items, best_scores = top_k_dense(scores, k)
        result = self._recommendations(items, best_scores)
        if not self.params.enable_backfilling or len(result) >= k:
            return result
        excluded = seeds if not self.params.allow_seed_items else seeds[:0]
        pushed_down = np.flatnonzero(scores < 0)  # the user's own signals speak against these
        return self._with_backfill(result, np.concatenate([excluded, items, pushed_down]), k)

    def recommend_for_users(self, user_ids: Sequence[str], k: int = 10) -> list:
        """recommend(user_id) for each user: a list of lists of Recommendation."""
        return [self.recommend(user_id=user_id, k=k) for user_id in user_ids]

    def _seed_affinities(self, user_id, events):
        """(seed item indices, their affinities) from history and request events."""
        parts_items, parts_values = [], []
        reference_time = self.reference_time
        if events is not None and len(events["item_id"]):
            # A dict lookup per event: request lists are short, and pandas' map costs more here.
            codes = np.array([self.item_index.get(item_id, -1) for item_id in events["item_id"]], dtype=np.int64)
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
        return self.similarity[seeds].T @ affinities

    def _recommendations(self, items: np.ndarray, scores: np.ndarray) -> list:
        item_ids = self.item_ids
        return [Recommendation(item_ids[i], s) for i, s in zip(items.tolist(), scores.tolist())]

    def _with_backfill(self, result: list, excluded: np.ndarray, k: int) -> list:
        """`result` padded with the most popular items not in `excluded`, score 0, when backfilling is on."""
        if self.params.enable_backfilling and len(result) < k:
            result += [Recommendation(self.item_ids[i], 0.0) for i in backfill(self.popular_items, excluded, k - len(result))]
        return result
