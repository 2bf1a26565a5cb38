"""A trained SAR model: its arrays and the indexes built on them. Training is recommender.training's fit,
scoring recommender.scoring's functions, storage recommender.serialization's to_bytes and from_bytes."""
import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .indexing import ItemIdPrefixes
from .parameters import BackfillStrategy, SARParameters


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
    trending : float array, shape (n_items,), time-decayed distinct users per item (training.trending_popularity),
        or None for a model stored before it existed: trending then falls back to popularity
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
    trending: Optional[np.ndarray] = None

    def __post_init__(self):
        for name in ("item_categories", "trending"):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.item_ids):
                raise ValueError(f"{len(values)} values of {name} for {len(self.item_ids)} items")

    @property
    def n_items(self) -> int:
        """Number of items the model knows."""
        return len(self.item_ids)

    @cached_property
    def nbytes(self) -> int:
        """Approximate memory of the model: its arrays, its id strings and their lookup dicts."""
        matrices = [m for m in (self.similarity, self.user_affinity) if m is not None]
        arrays = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in matrices) + self.popularity.nbytes
        arrays += self.trending.nbytes if self.trending is not None else 0
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

    @property
    def trending_scores(self) -> np.ndarray:
        """Trending popularity of each item; all-time popularity for a model stored without it."""
        return self.popularity if self.trending is None else self.trending

    @cached_property
    def trending_items(self) -> np.ndarray:
        """Item indices, most trending first, ties by all-time popularity, then by index."""
        if self.trending is None:
            return self.popular_items
        return np.lexsort((np.arange(self.n_items), -self.popularity, -self.trending))

    @property
    def backfill_items(self) -> np.ndarray:
        """The items backfill pads lists with, best first: popular or trending, as the parameters choose."""
        if self.params.backfill_strategy == BackfillStrategy.TRENDING:
            return self.trending_items
        return self.popular_items

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
