"""User ids and the user affinity matrix of the whole data set, assembled from the user groups' rows.

Each group knows where its users first appear (partition, rank there); one
sort of those keys gives every user its row in the data set's first-appearance
order, the order the single-machine fit gives. The groups' affinity rows are
then written straight into the final arrays, one group at a time.
"""
from typing import Callable

import numpy as np
import scipy.sparse as sp

from recommender.indexing import first_appearance_ranks
from recommender.parameters import SARParameters

from .groups import group_affinity, row_lengths, user_keys
from .tasks import Tasks


def cluster_user_affinity(tasks: Tasks, groups: list, n_items: int, reference_time: float, params: SARParameters,
                          progress: Callable[[float], None]) -> tuple:
    """(user ids, (users x items) affinity CSR), users in first-appearance order of the whole data set."""
    keys = [tasks.result(tasks.submit(user_keys, group)) for group in groups]
    ranks = first_appearance_ranks(np.concatenate([parts for _, parts, _ in keys]),
                                   np.concatenate([positions for _, _, positions in keys]))
    n_users = ranks.size
    bounds = np.cumsum([0] + [len(ids) for ids, _, _ in keys])
    rows_of = [ranks[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]
    user_ids = np.empty(n_users, dtype=object)
    for rows, (ids, _, _) in zip(rows_of, keys):
        user_ids[rows] = ids
    del keys
    matrices = [tasks.submit(group_affinity, group, reference_time, params, n_items) for group in groups]
    lengths = np.zeros(n_users, dtype=np.int64)
    for rows, future in zip(rows_of, [tasks.submit(row_lengths, matrix) for matrix in matrices]):
        lengths[rows] = tasks.result(future)
    indptr = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices, data = np.empty(indptr[-1], dtype=np.int32), np.empty(indptr[-1], dtype=np.float64)
    for done, (rows, future) in enumerate(zip(rows_of, matrices)):
        block = tasks.result(future, lambda count: progress(done / len(matrices)))
        targets = np.repeat(indptr[rows] - block.indptr[:-1], np.diff(block.indptr)) + np.arange(block.nnz)
        indices[targets], data[targets] = block.indices, block.data
        del block
        progress((done + 1) / len(matrices))
    return user_ids, sp.csr_matrix((data, indices, indptr), shape=(n_users, n_items))
