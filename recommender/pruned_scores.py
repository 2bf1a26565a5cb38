"""Exact top k of a block of users from pruned similarity rows (recommender.batch, issue 23).

With every similarity and weight positive, rounding is monotone: partial sums P over the kept entries
(recommender.pruned_rows), added in recommend's order, never exceed the exact scores, and an item's exact
score is at most P + B up to rounding, B = sum_j a_j t_j over the user's seeds (t_j: the largest entry cut
from row j). Items whose bound stays under the k-th best P cannot enter the top k; the few left are scored
again with every entry, in weighted_row_sum's order (ascending seeds, from 0.0), so their scores are
recommend's to the last bit. A user for whom the bound proves nothing is left to the caller.

One user at a time, on one thread. Measured on the 15M-event model and dropped: the steps after the kernel
done for four to sixteen users at once (a buffer of several rows), a quarter slower; two threads over a
block's users, slower too (the kernels let go of the GIL, but a user's numpy calls between them hold it).
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

from .pruned_rows import PrunedSimilarity

try:
    from scipy.sparse import _sparsetools  # private; row_sums relies on the same kernels
except ImportError:  # a scipy without it: recommender.batch takes the exact path for every user
    _sparsetools = None

KERNELS = _sparsetools is not None
"""Whether scipy's compiled kernels this module calls are there."""

MARGIN = 1e-9
"""Relative slack on the bounds for rounding: far above what sums of a few hundred positive terms can lose."""


@dataclass(frozen=True)
class SettledUsers:
    """The users of a block whose top k the bounds settled, and their answers.

    Attributes
    ----------
    settled : bool array, shape (n_users,), the users answered here (the others: the exact path)
    items : int array, shape (n_settled, k), each settled user's items best first, users in block order
    scores : float64 array, shape (n_settled, k), their scores, recommend's to the last bit
    """

    settled: np.ndarray
    items: np.ndarray
    scores: np.ndarray


def block_top_k(pruned: PrunedSimilarity, histories: sp.csr_matrix, k: int,
                eligible: Optional[np.ndarray] = None, allow_seed_items: bool = False,
                unit_weights: bool = False) -> SettledUsers:
    """Top k of each user of `histories` (rows of user_affinity, canonical CSR) that the bounds settle.

    Parameters
    ----------
    histories : csr_matrix, shape (n_users, n_items), the block's stored affinities (sorted, no duplicates)
    eligible : bool array, shape (n_items,), the items the rules let through (None: all)
    unit_weights : every seed weighs 1 (enable_user_affinity off)
    """
    indptr, seeds = histories.indptr, histories.indices.astype(np.int64)
    weights = np.ones(seeds.size) if unit_weights else np.asarray(histories.data, dtype=np.float64)
    tails = _tail_bounds(pruned, indptr, seeds, weights)
    columns = np.empty(2 * seeds.size, dtype=pruned.starts.dtype)
    columns[0::2] = pruned.starts[seeds]
    columns[1::2] = columns[0::2] + pruned.lengths[seeds]
    kernel_weights = np.zeros(2 * seeds.size)
    kernel_weights[0::2] = weights
    sums, dense_weights, found = np.zeros(pruned.n_items), np.zeros(pruned.n_items), []
    for user in np.flatnonzero(np.isfinite(tails)).tolist():
        start, stop = indptr[user], indptr[user + 1]
        candidates = _candidates(pruned, columns[2 * start:2 * stop], kernel_weights[2 * start:2 * stop],
                                 seeds[start:stop], tails[user], k, eligible, allow_seed_items, sums)
        if candidates is not None:
            exact = _exact_scores(pruned, seeds[start:stop], weights[start:stop], candidates, dense_weights)
            found.append((user, candidates, exact))
    return _ranked(found, histories.shape[0], k)


def _tail_bounds(pruned: PrunedSimilarity, indptr: np.ndarray, seeds: np.ndarray, weights: np.ndarray
                 ) -> np.ndarray:
    """B = sum_j a_j t_j of each user; inf for a user the bounds cannot serve (no seeds, a weight not > 0)."""
    users = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    # float64 even for no seed at all: bincount of an empty array is int64 whatever the weights
    tails = np.bincount(users, weights=weights * pruned.tails[seeds], minlength=indptr.size - 1).astype(np.float64)
    refused = np.bincount(users, weights=~(weights > 0), minlength=indptr.size - 1) > 0
    tails[refused | (np.diff(indptr) == 0) | ~np.isfinite(tails)] = np.inf
    return tails


def _candidates(pruned: PrunedSimilarity, columns: np.ndarray, kernel_weights: np.ndarray, seeds: np.ndarray,
                tail: float, k: int, eligible: Optional[np.ndarray], allow_seed_items: bool,
                sums: np.ndarray) -> Optional[np.ndarray]:
    """The items that may be in the user's top k (sorted), or None when the bound proves nothing.

    `sums` is an all-zero buffer, left all zero. P comes from one csc_matvec call over the kept rows of the
    seeds, in ascending seed order from 0.0 (the gaps between rows are empty columns), as weighted_row_sum adds.
    """
    _sparsetools.csc_matvec(pruned.n_items, columns.size - 1, columns, pruned.indices, pruned.data,
                            kernel_weights, sums)
    if not allow_seed_items:
        sums[seeds] = 0.0
    # Reading the few items at or above a first threshold costs a comparison; reading every item the seeds
    # reached (thousands) costs several times more.
    threshold = _first_threshold(pruned, seeds, tail, k, eligible, sums)
    touched = np.flatnonzero(sums >= threshold) if threshold > 0 else np.flatnonzero(sums > 0)
    partial = sums[touched]
    sums.fill(0.0)
    if eligible is not None:
        allowed = eligible[touched]
        touched, partial = touched[allowed], partial[allowed]
    if partial.size < k:
        return None
    kth_best = np.partition(partial, partial.size - k)[partial.size - k]  # at most the exact k-th best
    if tail * (1 + MARGIN) >= kth_best:  # an item no kept entry reached could still enter
        return None
    return touched[(partial + tail) * (1 + MARGIN) >= kth_best]


def _first_threshold(pruned: PrunedSimilarity, seeds: np.ndarray, tail: float, k: int,
                     eligible: Optional[np.ndarray], sums: np.ndarray) -> float:
    """A P below which no item can reach the top k (0: none found): the k-th best P among the items of the
    seeds' PEEK best entries is at most the k-th best P of all, and an item needs P + tail to reach it."""
    peeked = np.sort(pruned.peeks[seeds], axis=None)
    peeked = peeked[:-1][peeked[1:] != peeked[:-1]]  # distinct; the largest left out (any subset will do)
    if eligible is not None:
        peeked = peeked[eligible[peeked]]
    values = sums[peeked]
    if np.count_nonzero(values) < k:
        return 0.0
    kth_peeked = np.partition(values, values.size - k)[values.size - k]
    return max(kth_peeked / (1 + MARGIN) - tail * (1 + MARGIN), 0.0)


def _exact_scores(pruned: PrunedSimilarity, seeds: np.ndarray, weights: np.ndarray, candidates: np.ndarray,
                  dense_weights: np.ndarray) -> np.ndarray:
    """Each candidate's score with every entry, in weighted_row_sum's order; `dense_weights` is all zero and
    left so.

    S is symmetric, so candidate i's score sum_j a_j S[j, i] is row i against the user's weights as a dense
    vector: csr_matvec adds S[i, j] * a_j over row i's ascending columns, from 0.0, that is over the seeds in
    ascending order (the other columns add exactly +0.0), with the same expression as csc_matvec (so a
    compiler that fuses the multiply-add fuses both). A light row is kept whole in `pruned`, which the kernel
    has just read (S's own copy would be a second one in the cache). A heavy row is long: its entries at the
    seeds, from the dense copy, make a short row of their own.
    """
    exact = np.empty(candidates.size)
    slots = pruned.heavy_slots[candidates]
    heavy = slots >= 0
    light = candidates[~heavy]  # ascending: in the descending layout each row starts before the previous ends
    dense_weights[seeds] = weights
    if light.size:
        rows = np.empty(2 * light.size, dtype=pruned.starts.dtype)
        rows[0::2] = pruned.starts[light]
        rows[1::2] = rows[0::2] + pruned.lengths[light]
        sums = np.zeros(rows.size - 1)
        _sparsetools.csr_matvec(rows.size - 1, pruned.n_items, rows, pruned.indices, pruned.data, dense_weights,
                                sums)
        exact[~heavy] = sums[0::2]
    if heavy.any():
        entries = pruned.heavy_rows[np.ix_(slots[heavy], seeds)]  # zeros included: each adds exactly +0.0
        rows = np.arange(0, entries.size + 1, seeds.size, dtype=pruned.starts.dtype)
        columns = np.tile(seeds.astype(pruned.starts.dtype), entries.shape[0])
        sums = np.zeros(entries.shape[0])
        _sparsetools.csr_matvec(sums.size, pruned.n_items, rows, columns, entries.ravel(), dense_weights, sums)
        exact[heavy] = sums
    dense_weights[seeds] = 0.0
    return exact


def _ranked(found: list, n_users: int, k: int) -> SettledUsers:
    """The best k of each settled user's (user, candidates, exact scores), ties to the lower item index."""
    settled = np.zeros(n_users, dtype=bool)
    if not found:
        return SettledUsers(settled, np.empty((0, k), dtype=np.int64), np.empty((0, k)))
    users = np.concatenate([np.full(candidates.size, user) for user, candidates, _ in found])
    items = np.concatenate([candidates for _, candidates, _ in found])
    scores = np.concatenate([exact for _, _, exact in found])
    order = np.lexsort((items, -scores, users))
    users, items, scores = users[order], items[order], scores[order]
    keep = np.arange(users.size) - np.searchsorted(users, users) < k  # every settled user has k candidates
    settled[[user for user, _, _ in found]] = True
    return SettledUsers(settled, items[keep].reshape(-1, k).astype(np.int64), scores[keep].reshape(-1, k))
