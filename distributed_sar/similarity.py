"""The item similarity matrix computed on the cluster, one block of item rows at a time.

For each block, every user group counts its co-occurrences of those rows, the
partial counts are summed in a tree, and recommender's similarity_rows turns
the sum into similarity rows. The caller appends the blocks in order, as the
single-machine loop does, and keeps only a few blocks in flight, so that
neither the workers nor the caller hold more than those blocks at once.
"""
from collections import deque
from typing import Callable

import numpy as np
import scipy.sparse as sp

from recommender.parameters import SARParameters
from recommender.similarity import SimilarityRows, row_blocks, similarity_rows

from .groups import add_counts, block_counts
from .tasks import URGENT, Tasks

PAIRS_PER_BLOCK = 8_000_000
"""Pair products of one block of rows, summed over the groups: bounds each partial sum (~12 bytes a pair)."""

BLOCKS_PER_WORKER = 2
"""Blocks in flight per worker: enough to keep every worker busy while the caller appends finished ones."""


def cluster_similarity(tasks: Tasks, units: list, costs: np.ndarray, occurrences: np.ndarray, params: SARParameters,
                       progress: Callable[[float], None]) -> sp.csr_matrix:
    """(items x items) similarity from the groups' units (futures of GroupUnits), as recommender's item_similarity.

    costs and occurrences are the sums over the groups of their pair costs and occurrences.
    """
    n_items = costs.size
    shared_occurrences = tasks.scatter(occurrences, broadcast=True)
    rows, in_flight = SimilarityRows(n_items), deque()
    window = BLOCKS_PER_WORKER * tasks.n_workers

    def append_oldest():
        rows.append(tasks.result(in_flight.popleft(), lambda done: progress(rows.n_rows / n_items)))
        progress(rows.n_rows / n_items)

    for start, stop in row_blocks(costs, PAIRS_PER_BLOCK):
        label = f"rows-{start}-{stop}"
        partials = [tasks.submit(block_counts, group, start, stop, label=label) for group in units]
        counts = tasks.reduce(add_counts, partials, label=label)
        in_flight.append(tasks.submit(similarity_rows, counts, start, shared_occurrences, params.support_threshold,
                                      params.similarity_function, label=label, priority=URGENT))
        del partials, counts  # the similarity task holds them on the cluster until it has run
        if len(in_flight) >= window:
            append_oldest()
    while in_flight:
        append_oldest()
    return rows.matrix()
