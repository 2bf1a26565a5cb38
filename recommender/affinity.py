"""User-item affinity: a(u, i) = sum over u's events on i of w * 2^(-(t_ref - t)/T)."""
import numpy as np
import scipy.sparse as sp

from .events import decay_factors
from .parameters import SARParameters


def event_affinities(timestamps, weights, reference_time: float, params: SARParameters) -> np.ndarray:
    """Each event's contribution to its user's affinity: decayed weight, or 1 without user affinity."""
    if not params.enable_user_affinity:
        return np.ones(len(weights))
    return np.asarray(weights, dtype=np.float64) * decay_factors(timestamps, reference_time, params.half_life_seconds)


def affinity_matrix(user_codes, item_codes, contributions, shape, binary: bool) -> sp.csr_matrix:
    """Sum the contributions per (user, item) into a CSR matrix; with binary, every used pair is 1."""
    matrix = sp.coo_matrix((contributions, (user_codes, item_codes)), shape=shape).tocsr()
    matrix.sum_duplicates()
    if binary:
        matrix.data[:] = 1.0
    matrix.sort_indices()
    return matrix


def sum_by_item(item_codes: np.ndarray, contributions: np.ndarray):
    """(distinct items, summed contributions) of a small list of events, items ascending."""
    items, positions = np.unique(item_codes, return_inverse=True)
    return items, np.bincount(positions, weights=contributions, minlength=items.size)
