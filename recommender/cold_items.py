"""Cold item placement: similarity for catalog items that usage cannot place, from their features.

An item is cold when it is in the catalog but has no usage, or too little for
any co-occurrence to pass the support threshold (its similarity row holds
nothing but itself). As in the original service (doc/sar.md), a linear model
learns from warm item pairs how much each catalog feature's match predicts
their similarity, and then predicts the similarity of cold items to warm
items (and, with cold-to-cold, to other cold items).

How a pair matches on a feature: the cosine of the two items' value sets,
|A & B| / sqrt(|A| |B|), 1 or 0 for single-valued features. Being a dot
product of per-item normalised one-hot rows, every pair score is one sparse
matrix product, computed in blocks of cold items: nothing items x items is
ever dense. A pair that shares no feature value gets no similarity. Each
cold item keeps its MAX_COLD_NEIGHBOURS best-scored items, both ways, so warm
seeds can recommend it and it can seed recommendations of warm items.
"""
import dataclasses
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .catalog import Catalog
from .model import SARModel

MAX_COLD_NEIGHBOURS = 10
"""Items each cold item is made similar to (the original's MaxColdItems)."""
MAX_LEARNED_FEATURES = 50
"""Only the features most items have take part; the rest are ignored."""
TRAINING_PAIRS = 50_000
"""At most this many similar warm pairs, and as many random ones, train the linear model."""
PAIRS_PER_BLOCK = 5_000_000
"""Upper bound of candidate pairs scored at once."""
ROWS_PER_BLOCK = 2**15 - 1
"""Cold items scored at once: block rows fit int16, which numpy sorts in linear time."""
NEGLIGIBLE_WEIGHT = 1e-9
"""Learned weights smaller than this (targets are scaled to at most 1) are rounding noise, and set to 0."""


@dataclass
class ColdPlacement:
    """The model with its cold items placed, and what the placement learned."""

    model: SARModel
    feature_weights: dict
    """Feature name -> learned weight (the statistics' catalogFeatureWeights); empty if nothing was learned."""
    cold_items: int
    """Cold items that got at least one similar item."""


def place_cold_items(model: SARModel, catalog: Catalog, cold_to_cold: bool = False, seed: int = 0,
                     progress: Optional[Callable[[float], None]] = None) -> ColdPlacement:
    """Add the catalog's cold items to the model's index and similarity matrix.

    Parameters
    ----------
    model : a trained SARModel (not changed)
    catalog : the parsed catalog; its placed items that the model lacks are appended to the model's index
    cold_to_cold : also make cold items similar to one another
    seed : seeds the sampling of training pairs
    progress : called with the fraction of cold items done, between blocks; may raise to cancel
    """
    features, item_ids = _features_by_model_index(model, catalog)
    off_diagonal = np.diff(model.similarity.indptr) - (model.similarity.diagonal() != 0)
    has_features = np.diff(features.indptr) > 0
    warm = np.zeros(len(item_ids), dtype=bool)
    warm[:model.n_items] = off_diagonal > 0
    cold = has_features & ~warm
    learned = _learn_weights(model.similarity, features, catalog, np.flatnonzero(warm & has_features), seed)
    if learned is None or not cold.any():
        return ColdPlacement(model, {}, 0)
    weights, bias = learned
    feature_weights = np.zeros(len(catalog.feature_names))
    feature_weights[list(weights)] = list(weights.values())
    column_weights = feature_weights[catalog.value_feature]
    used = np.flatnonzero(column_weights != 0)
    scale = _similarity_scale(model.similarity)
    candidates = np.flatnonzero(has_features & (warm | cold) if cold_to_cold else has_features & warm)
    rows, columns, scores = _score_cold_items(
        features[:, used] @ sp.diags(column_weights[used] * scale), features[:, used].tocsr(), bias * scale,
        np.flatnonzero(cold), candidates, progress)
    names = {str(catalog.feature_names[feature]): weight for feature, weight in sorted(weights.items())}
    return ColdPlacement(_extend(model, item_ids, rows, columns, scores), names, int(np.unique(rows).size))


def _features_by_model_index(model: SARModel, catalog: Catalog):
    """Catalog features re-indexed: the model's items first, then the catalog items the model lacks.

    Each item's values are scaled by 1/sqrt(its number of values of that feature), so that the
    dot product of two rows restricted to one feature is the cosine match on that feature.
    """
    catalog_index = pd.Index(catalog.item_ids)
    item_ids = np.concatenate([model.item_ids, catalog.item_ids[~catalog_index.isin(model.item_ids)]]).astype(object)
    rows = catalog_index.get_indexer(item_ids)  # -1: a usage item the catalog does not have
    known = np.flatnonzero(rows >= 0)
    placement = sp.csr_matrix((np.ones(known.size), (known, rows[known])), shape=(len(item_ids), catalog.n_items))
    features = (placement @ catalog.features).tocsr()
    features.sort_indices()
    entry_items = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
    n_features = max(len(catalog.feature_names), 1)
    _, per_item_feature, counts = np.unique(entry_items * n_features + catalog.value_feature[features.indices],
                                            return_inverse=True, return_counts=True)
    features.data = 1.0 / np.sqrt(counts[per_item_feature])
    return features, item_ids


def _value_to_feature(catalog: Catalog) -> sp.csr_matrix:
    """(values x features) indicator: which feature each value column belongs to."""
    n_values = len(catalog.value_feature)
    return sp.csr_matrix((np.ones(n_values), (np.arange(n_values), catalog.value_feature)),
                         shape=(n_values, len(catalog.feature_names)))


def _learn_weights(similarity: sp.csr_matrix, features: sp.csr_matrix, catalog: Catalog, warm: np.ndarray, seed: int):
    """Least squares fit of scaled similarity on per-feature matches, over sampled warm pairs.

    Half the pairs are similar pairs, half random pairs (mostly not similar). Returns
    ({feature index: weight}, bias), or None when no sampled pair shares a feature value.
    Weights may be negative: a shared value can speak against similarity.
    """
    if warm.size < 2:
        return None
    rng = np.random.default_rng(seed)
    block = similarity[warm][:, warm].tocoo()
    similar = np.flatnonzero(block.row != block.col)
    if similar.size == 0:
        return None
    take = similar[rng.choice(similar.size, size=min(similar.size, TRAINING_PAIRS), replace=False)]
    random_a = rng.integers(0, warm.size, take.size)
    random_b = (random_a + rng.integers(1, warm.size, take.size)) % warm.size  # never the same item
    first = warm[np.concatenate([block.row[take], random_a])]
    second = warm[np.concatenate([block.col[take], random_b])]
    target = np.asarray(similarity[first, second]).ravel() / _similarity_scale(similarity)
    learned = _most_common_features(catalog)
    matches = (features[first].multiply(features[second]) @ _value_to_feature(catalog)).tocsc()[:, learned]
    if matches.nnz == 0:
        return None
    design = np.column_stack([np.ones(first.size), matches.toarray()])
    solution, *_ = np.linalg.lstsq(design, target, rcond=None)
    solution[np.abs(solution) < NEGLIGIBLE_WEIGHT] = 0.0  # rounding noise would tie unrelated items
    return dict(zip(learned.tolist(), solution[1:].tolist())), float(solution[0])


def _most_common_features(catalog: Catalog) -> np.ndarray:
    """Indices of the (at most MAX_LEARNED_FEATURES) features held by most items, ascending."""
    held = np.bincount(catalog.value_feature[catalog.features.indices], minlength=len(catalog.feature_names))
    order = np.lexsort((np.arange(held.size), -held))[:MAX_LEARNED_FEATURES]
    return np.sort(order[held[order] > 0])


def _similarity_scale(similarity: sp.csr_matrix) -> float:
    """The largest similarity between two different items: targets are learned relative to it."""
    coo = similarity.tocoo()
    off = coo.data[coo.row != coo.col]
    return float(off.max()) if off.size and off.max() > 0 else 1.0


def _score_cold_items(weighted: sp.csr_matrix, plain: sp.csr_matrix, bias: float, cold: np.ndarray,
                      candidates: np.ndarray, progress):
    """(cold rows, candidate columns, scores) of each cold item's best candidates, in model indices.

    score(c, x) = bias + weighted[c] . plain[x], for pairs sharing a value of a learned feature;
    only scores above 0 are kept, at most MAX_COLD_NEIGHBOURS per cold item, ties to the lower index.
    """
    right = plain[candidates].T.tocsr()  # values x candidates
    weighted = weighted.tocsr()
    # A cold item's pairs to compute: for each of its values, the candidates holding that value.
    holders = np.diff(right.indptr).astype(np.float64)
    cold_rows = weighted[cold]
    cost = np.bincount(np.repeat(np.arange(cold.size), np.diff(cold_rows.indptr)),
                       weights=holders[cold_rows.indices], minlength=cold.size)
    found = []
    for start, stop in _blocks(cost):
        block = (weighted[cold[start:stop]] @ right).tocsr()
        block.sort_indices()  # candidates ascending within each row: ties go to the lower index
        block.data += bias
        local_rows = np.repeat(np.arange(stop - start, dtype=np.int16), np.diff(block.indptr))
        columns = candidates[block.indices]
        keep = (block.data > 0) & (cold[start:stop][local_rows] != columns)
        local_rows, columns, scores = _best_per_row(local_rows[keep], columns[keep], block.data[keep])
        found.append((cold[start:stop][local_rows], columns, scores))
        if progress is not None:
            progress(stop / cold.size)
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _blocks(cost: np.ndarray):
    """(start, stop) row ranges: summed cost under PAIRS_PER_BLOCK, at most ROWS_PER_BLOCK, at least one row."""
    cumulative = np.cumsum(cost)
    start = 0
    while start < cost.size:
        base = cumulative[start - 1] if start else 0.0
        stop = int(np.searchsorted(cumulative, base + PAIRS_PER_BLOCK, side="right"))
        stop = min(max(stop, start + 1), start + ROWS_PER_BLOCK, cost.size)
        yield start, stop
        start = stop


def _best_per_row(rows, columns, scores):
    """The MAX_COLD_NEIGHBOURS highest scores of each row, ties to the earlier entry.

    `rows` are int16 block rows, grouped and in order: one sort by score, then a radix sort by
    row (stable, linear for 16-bit keys) ranks every row's entries without a 3-key lexsort.
    """
    by_score = np.argsort(-scores, kind="stable")
    order = by_score[np.argsort(rows[by_score], kind="stable")]
    rows, columns, scores = rows[order], columns[order], scores[order]
    counts = np.bincount(rows)
    rank = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    keep = rank < MAX_COLD_NEIGHBOURS
    return rows[keep], columns[keep], scores[keep]


def _extend(model: SARModel, item_ids: np.ndarray, rows, columns, scores) -> SARModel:
    """The model with the placed pairs added both ways, and the new items it needs appended."""
    touched = np.unique(np.concatenate([rows, columns]))
    new_items = touched[touched >= model.n_items]
    final_index = np.arange(len(item_ids))
    final_index[new_items] = model.n_items + np.arange(new_items.size)
    n = model.n_items + new_items.size
    placed = sp.csr_matrix((scores, (final_index[rows], final_index[columns])), shape=(n, n))
    placed = placed.maximum(placed.T)  # both ways; a pair two cold items chose both is not counted twice
    similarity = (_resized(model.similarity, n) + placed).tocsr()
    similarity.sort_indices()
    user_affinity = None if model.user_affinity is None else _resized(model.user_affinity, n, rows_too=False)
    categories = None if model.item_categories is None else \
        np.concatenate([model.item_categories, np.full(new_items.size, None, dtype=object)])  # re-attach to fill
    return dataclasses.replace(
        model, item_ids=np.concatenate([model.item_ids, item_ids[new_items]]).astype(object), similarity=similarity,
        popularity=_padded(model.popularity, new_items.size), user_affinity=user_affinity, item_categories=categories,
        trending=None if model.trending is None else _padded(model.trending, new_items.size))


def _padded(values: np.ndarray, count: int) -> np.ndarray:
    """Per-item values with `count` zeros after them, for the new items (no usage: popularity 0)."""
    return np.concatenate([values, np.zeros(count, dtype=values.dtype)])


def _resized(matrix: sp.csr_matrix, n_items: int, rows_too: bool = True) -> sp.csr_matrix:
    """The same entries in a larger (n_items x n_items, or rows x n_items) CSR matrix."""
    n_rows = n_items if rows_too else matrix.shape[0]
    indptr = np.concatenate([matrix.indptr, np.full(n_rows - matrix.shape[0], matrix.indptr[-1])])
    return sp.csr_matrix((matrix.data, matrix.indices, indptr), shape=(n_rows, n_items))
