"""A model's most popular items, all-time or trending, under business rules and optionally within a category."""
from enum import Enum
from typing import Optional

import numpy as np

from .exceptions import CategoriesUnavailableError
from .model import SARModel
from .parameters import BackfillStrategy
from .ranking import Recommendation
from .rules import ItemFilter, Rules


class PopularityKind(str, Enum):
    """Which popularity ranks the items."""

    ALLTIME = "alltime"
    """Distinct users ever (SARModel.popularity)."""
    TRENDING = "trending"
    """Distinct users, each decayed by the age of their latest use (SARModel.trending_scores)."""

    @classmethod
    def of(cls, strategy: BackfillStrategy) -> "PopularityKind":
        """The popularity a backfill strategy pads lists with."""
        return cls.TRENDING if BackfillStrategy(strategy) == BackfillStrategy.TRENDING else cls.ALLTIME

    @property
    def backfill_strategy(self) -> BackfillStrategy:
        """The backfill strategy that pads lists with this popularity."""
        return BackfillStrategy.TRENDING if self == PopularityKind.TRENDING else BackfillStrategy.POPULAR


def popular_items(model: SARModel, kind: PopularityKind, k: int = 10, rules: Optional[Rules] = None,
                  category: Optional[str] = None) -> list:
    """The k most popular items of the kind that any user used, best first, each scored by its popularity;
    only items of `category` when given, and only those `rules` allow.

    :raise CategoriesUnavailableError: a category or a category cap asked of a model without categories
    """
    trending = PopularityKind(kind) == PopularityKind.TRENDING
    order = model.trending_items if trending else model.popular_items
    measure = np.asarray(model.trending_scores if trending else model.popularity, dtype=np.float64)
    candidates = order[:np.count_nonzero(measure > 0)]  # the order puts every used item first
    if category is not None:
        if model.item_categories is None:
            raise CategoriesUnavailableError("this model holds no item categories (trained without a catalog)",
                                             "category")
        candidates = candidates[model.item_categories[candidates] == category]
    if rules is not None:
        candidates = candidates[ItemFilter.build(rules, model).choose(candidates, k, complete=True)]
    items = candidates[:k]
    return [Recommendation(item_id, score)
            for item_id, score in zip(model.item_ids[items].tolist(), measure[items].tolist())]
