"""Ranking metrics of recommendation lists against held-out items, as microsoft/recommenders defines them.

Definitions (recommenders/evaluation/python_evaluation.py, relevancy "top_k",
binary relevance), averaged over the users that have both a list and at
least one relevant item; hits_k(u) = relevant items among u's first k:

- precision@k = hits_k / k (a list shorter than k cannot reach 1, as in Spark);
- recall@k = hits_k / |relevant|;
- nDCG@k = sum over hits of 1/ln(1 + rank), divided by the same sum for an ideal
  list of min(|relevant|, k) hits (the log base cancels);
- MAP@k ("map_at_k") = sum over hits of (hits so far / rank), divided by min(|relevant|, k);
- hit rate@k, the original service's "precision@k": the share of users with hits_k > 0.
"""
import numpy as np


def hit_matrix(recommended: list, relevant: list, length: int) -> np.ndarray:
    """(users x length) bool: is the item at each rank of each user's list relevant to the user.

    Parameters
    ----------
    recommended : one list of item ids per user, best first (shorter lists are padded with misses)
    relevant : one set of item ids per user
    length : the longest rank considered
    """
    hits = np.zeros((len(recommended), length), dtype=bool)
    for user, (items, wanted) in enumerate(zip(recommended, relevant)):
        for rank, item in enumerate(items[:length]):
            hits[user, rank] = item in wanted
    return hits


def metrics_at(hits: np.ndarray, relevant_counts: np.ndarray, k: int) -> dict:
    """precision, recall, ndcg, map and hit_rate at k (fractions), averaged over the rows of `hits`.

    Parameters
    ----------
    hits : bool array, shape (n_users, >= k), from hit_matrix
    relevant_counts : int array, shape (n_users,), each user's number of relevant items (>= 1)
    """
    top = hits[:, :k]
    found = top.sum(axis=1)
    discounts = 1.0 / np.log(np.arange(2, k + 2))  # 1/ln(1 + rank), rank = 1..k
    ideal = np.cumsum(discounts)[np.minimum(relevant_counts, k) - 1]
    ranks = np.arange(1, k + 1)
    precision_at_hits = np.cumsum(top, axis=1) / ranks
    return {
        "precision": float(np.mean(found / k)),
        "recall": float(np.mean(found / relevant_counts)),
        "ndcg": float(np.mean((top * discounts).sum(axis=1) / ideal)),
        "map": float(np.mean((top * precision_at_hits).sum(axis=1) / np.minimum(relevant_counts, k))),
        "hit_rate": float(np.mean(found > 0)),
    }
