"""Scoring a trained SARModel: item-to-item, personalized, and the scores of given items, under business rules.

Request-time events come as one EventBatch (recommender.events). Every answer is a list of Recommendation:
scored items best first (ties to the lower item index), then, with backfilling, popular items with score 0.
"""
from typing import Optional, Sequence

import numpy as np

from .affinity import event_affinities, sum_by_item
from .events import EventBatch, latest_timestamp
from .model import SARModel
from .ranking import Recommendation, SeedCandidates, backfill, top_k_dense, top_k_excluding
from .row_sums import weighted_row_sum
from .rules import ItemFilter, Rules

CAP_DEPTH = 16
"""Under a category cap, candidates are ranked this many times k deep at first, and this many times deeper on
each retry: a ranking costs a pass over the scores whatever its depth, so a deep first one spares retries."""


def similar_items(model: SARModel, item_id: str, k: int = 10, rules: Optional[Rules] = None,
                  candidates: Optional[SeedCandidates] = None) -> list:
    """Top k items for one seed item (its similarity row), then backfill; `rules` filter both.

    `candidates` are the seed's, ranked already (seed_candidates), which a caller may keep for requests
    whose rules vary, such as exclude lists: the rules then go through them in order, and the row is
    ranked again only when they refuse too many of them.

    :raise CategoriesUnavailableError: the rules cap categories and the model has none
    """
    item_filter = _item_filter(model, rules)
    if candidates is not None and item_filter is not None:
        chosen = item_filter.choose(candidates.items, k, candidates.complete)
        if chosen is not None:
            return _recommendations(model, candidates.items[chosen], candidates.scores[chosen])
    index = model.item_index.get(item_id)
    if index is None:
        return _pick(model, None, k, item_filter, never=np.empty(0, np.int64))
    items, scores = _row(model, index)
    seeds = _seeds_left_out(model, index)
    if item_filter is None:
        return _pick(model, lambda depth: top_k_excluding(items, scores, depth, seeds), k, None, never=seeds)
    filtered_row = []  # the row through the include list and the prefix, once

    def best_allowed(depth):
        if not filtered_row:
            filtered_row.extend(item_filter.keep(items, scores))
        return top_k_excluding(*filtered_row, depth, seeds)

    return _pick(model, best_allowed, k, item_filter, never=seeds)


def seed_candidates(model: SARModel, item_id: str, depth: int) -> Optional[SeedCandidates]:
    """The seed's candidates before any rule (see SeedCandidates): its best `depth` row entries, then, when
    the row holds fewer, up to `depth` popular ones; None for an unknown item."""
    index = model.item_index.get(item_id)
    if index is None:
        return None
    seeds = _seeds_left_out(model, index)
    items, scores = top_k_excluding(*_row(model, index), depth, seeds)
    complete = items.size < depth  # every positive entry of the row
    if complete and model.params.enable_backfilling:
        filling = backfill(model.backfill_items, np.concatenate([seeds, items]), depth)
        complete = filling.size < depth
        items, scores = np.concatenate([items, filling]), np.concatenate([scores, np.zeros(filling.size)])
    items, scores = items.copy(), scores.copy()  # own arrays, not views that keep a larger one alive
    items.flags.writeable = scores.flags.writeable = False  # shared by every request that reads it
    return SeedCandidates(items, scores, complete)


def recommend(model: SARModel, user_id: Optional[str] = None, events: Optional[EventBatch] = None, k: int = 10,
              rules: Optional[Rules] = None) -> list:
    """Top k items for a user's stored history and/or request events, then backfill; `rules` filter both.

    Items the model does not know are ignored. With events, t_ref is the later of the training t_ref and
    the latest event sent.

    :raise CategoriesUnavailableError: the rules cap categories and the model has none
    """
    item_filter = _item_filter(model, rules)
    seeds, affinities = _seed_affinities(model, user_id, events)
    if seeds.size == 0:
        return _pick(model, None, k, item_filter, never=seeds)
    return rank_user_scores(model, _score(model, seeds, affinities), seeds, k, item_filter)


def rank_user_scores(model: SARModel, scores: np.ndarray, seeds: np.ndarray, k: int,
                     item_filter: Optional[ItemFilter]) -> list:
    """recommend's answer from a user's dense scores (changed in place) and seed items (recommender.batch).

    Parameters
    ----------
    scores : float64 array, shape (n_items,), sum_j a_j * S[j, :] over the seeds
    seeds : int array, the user's distinct seed items (empty: popular items only)
    """
    if seeds.size == 0:
        return _pick(model, None, k, item_filter, never=seeds)
    if not model.params.allow_seed_items:
        scores[seeds] = 0.0  # not positive, so never ranked
    if item_filter is not None:
        item_filter.zero_disallowed(scores)
    never = seeds if not model.params.allow_seed_items else seeds[:0]
    return _pick(model, lambda depth: top_k_dense(scores, depth), k, item_filter, never=never, dense_scores=scores)


def score_items(model: SARModel, item_ids: Sequence[str], user_id: Optional[str] = None,
                events: Optional[EventBatch] = None) -> list:
    """The personalized score of each of `item_ids` (None for an item the model does not know), in order.

    The same score recommend ranks by, for the user's history and/or the events; an item the user already
    has gets its score too.
    """
    codes = np.array([model.item_index.get(item_id, -1) for item_id in item_ids], dtype=np.int64)
    known = codes >= 0
    seeds, affinities = _seed_affinities(model, user_id, events)
    values = np.zeros(codes.size)
    if seeds.size and known.any():
        values[known] = _score(model, seeds, affinities)[codes[known]]  # bit for bit what recommend ranks by
    return [float(value) if is_known else None for value, is_known in zip(values.tolist(), known.tolist())]


def recommend_for_users(model: SARModel, user_ids: Sequence[str], k: int = 10) -> list:
    """recommend(model, user_id) for each user: a list of lists of Recommendation."""
    return [recommend(model, user_id=user_id, k=k) for user_id in user_ids]


def _seeds_left_out(model: SARModel, index: int) -> np.ndarray:
    """The seed itself, unless the model's parameters allow seed items back."""
    return np.array([index]) if not model.params.allow_seed_items else np.empty(0, np.int64)


def _row(model: SARModel, index: int) -> tuple:
    """(item indices, scores) of a similarity row, as stored (views, not copies)."""
    start, stop = model.similarity.indptr[index], model.similarity.indptr[index + 1]
    return model.similarity.indices[start:stop], model.similarity.data[start:stop]


def _seed_affinities(model: SARModel, user_id: Optional[str], events: Optional[EventBatch]):
    """(seed item indices, their affinities) from history and request events."""
    parts_items, parts_values = [], []
    reference_time = model.reference_time
    if events is not None and len(events):
        items, contributions, reference_time = _event_part(model, events)
        parts_items.append(items)
        parts_values.append(contributions)
    row = model.user_index.get(user_id) if user_id is not None else None
    if row is not None:
        items, history = _history_part(model, row, reference_time)
        parts_items.append(items)
        parts_values.append(history)
    if not parts_items:
        return np.empty(0, np.int64), np.empty(0)
    items, values = sum_by_item(np.concatenate(parts_items), np.concatenate(parts_values))
    if not model.params.enable_user_affinity:
        values = np.ones_like(values)
    return items, values


def _event_part(model: SARModel, events: EventBatch) -> tuple:
    """(known item indices, their events' affinities, t_ref moved to the latest event) of request events."""
    # A dict lookup per event: request lists are short, and pandas' map costs more here.
    codes = np.array([model.item_index.get(item_id, -1) for item_id in events.item_ids], dtype=np.int64)
    known = codes >= 0
    timestamps = events.timestamps[known]
    reference_time = np.fmax(model.reference_time, latest_timestamp(timestamps))
    contributions = event_affinities(timestamps, events.weights[known], reference_time, model.params)
    return codes[known], contributions, reference_time


def _history_part(model: SARModel, row: int, reference_time: float) -> tuple:
    """(item indices, affinities) of a user's stored history, decayed to `reference_time`."""
    start, stop = model.user_affinity.indptr[row], model.user_affinity.indptr[row + 1]
    history = model.user_affinity.data[start:stop]
    if model.params.enable_user_affinity and reference_time > model.reference_time:
        # Moving t_ref scales every stored affinity of the user by one factor.
        history = history * 0.5 ** ((reference_time - model.reference_time) / model.params.half_life_seconds)
    return model.user_affinity.indices[start:stop].astype(np.int64), history


def _score(model: SARModel, seeds: np.ndarray, affinities: np.ndarray) -> np.ndarray:
    """Dense scores of every item: sum_j a_j * S[j, :], one pass over the seeds' rows."""
    return weighted_row_sum(model.similarity, seeds, affinities)


def _item_filter(model: SARModel, rules: Optional[Rules]) -> Optional[ItemFilter]:
    return ItemFilter.build(rules, model) if rules is not None else None


def _pick(model: SARModel, ranked, k: int, item_filter: Optional[ItemFilter], never: np.ndarray,
          dense_scores=None) -> list:
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
        if complete and model.params.enable_backfilling:
            filling = _backfill(model, items, depth - items.size, item_filter, never, dense_scores)
            complete = filling.size < depth - items.size
            items, scores = np.concatenate([items, filling]), np.concatenate([scores, np.zeros(filling.size)])
        chosen = item_filter.choose(items, k, complete) if item_filter is not None else slice(None, k)
        if chosen is not None:
            return _recommendations(model, items[chosen], scores[chosen])
        depth *= CAP_DEPTH


def _backfill(model: SARModel, items: np.ndarray, count: int, item_filter: Optional[ItemFilter],
              never: np.ndarray, dense_scores) -> np.ndarray:
    """Up to `count` popular items after the scored `items`, skipping those and `never`, and under rules."""
    skipped = [never, items]
    if dense_scores is not None:
        skipped.append(np.flatnonzero(dense_scores < 0))  # the user's own signals speak against these
    if item_filter is None:
        return backfill(model.backfill_items, np.concatenate(skipped), count)
    return backfill(model.backfill_items, never[:0], count, allowed=item_filter.allowed_except(skipped))


def _recommendations(model: SARModel, items: np.ndarray, scores: np.ndarray) -> list:
    # _make: the named constructor's keyword handling costs more than the rest of a cached answer's miss
    return list(map(Recommendation._make, zip(model.item_ids[items].tolist(), scores.tolist())))
