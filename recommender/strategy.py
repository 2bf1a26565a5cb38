"""The name of the strategy an answer came from, for the X-Recommendation-Strategy header and metrics.

Scored items come from SAR (`sar`), or, for an item-to-item answer whose seed no usage names (an item
placed from the catalog), from cold item placement (`cold-items`); backfilled items (score 0) from the
model's backfill strategy (`backfill-popular`, `backfill-trending`). An answer holding both names both, in
answer order, joined by `+` (`sar+backfill-popular`); an empty answer is `none`.
"""
from typing import Optional

from .model import SARModel
from .parameters import BackfillStrategy

SAR = "sar"
COLD_ITEMS = "cold-items"
BACKFILL = {BackfillStrategy.POPULAR: "backfill-popular", BackfillStrategy.TRENDING: "backfill-trending"}
NONE = "none"
STRATEGIES = (SAR, COLD_ITEMS, *BACKFILL.values(), *(f"{scored}+{filled}" for scored in (SAR, COLD_ITEMS)
                                                     for filled in BACKFILL.values()), NONE)
"""Every name an answer can get: a bounded set (a metric label may take it)."""


def answer_strategy(model: SARModel, recommendations: list, seed_item_id: Optional[str] = None) -> str:
    """The strategy name of an answer (pairs of item id and score) of `model`, given the seed of an
    item-to-item request."""
    scores = [score for _, score in recommendations]
    parts = []
    if any(score != 0 for score in scores):
        parts.append(COLD_ITEMS if _is_cold(model, seed_item_id) else SAR)
    if any(score == 0 for score in scores):
        parts.append(BACKFILL[model.params.backfill_strategy])
    return "+".join(parts) or NONE


def _is_cold(model: SARModel, item_id: Optional[str]) -> bool:
    """Is the item one no usage names (its similar items were placed from the catalog)?"""
    index = model.item_index.get(item_id) if item_id is not None else None
    return index is not None and model.popularity[index] == 0
