"""A batch job's parts scored: each part's users' top k as the part's bytes. The same code runs in the worker
(LocalPartScorer) and on a Dask worker (engines.dask_batch), so both write the same bytes."""
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np

from recommender import SARModel
from recommender.batch import recommend_block
from recommender.rules import Rules

from .batch_format import format_block

BLOCK_USERS = 256
"""Users given to recommender.batch.recommend_block at once: their histories are sliced out together, and a
cancellation is seen between blocks."""


@dataclass(frozen=True)
class PartsJob:
    """What scoring a job's remaining parts needs: the model, the id and ETag of its blob (a Dask worker loads
    the model itself), the job's request (camelCase JSON), and the user rows of each part still to write."""

    model_id: str
    etag: Optional[str]
    model: SARModel
    request: dict
    parts: list


class LocalPartScorer:
    """Scores the parts in this process, one after another, checking for cancellation between blocks."""

    def score_parts(self, job: PartsJob, cancellation) -> Iterator[tuple]:
        """(bytes, rows written) of each part, in part order, each scored only when asked for."""
        rules = rules_of(job.request)
        for rows in job.parts:
            cancellation.raise_if_cancelled()
            yield score_part(job.model, rows, job.request, rules, cancellation.raise_if_cancelled)


def score_part(model: SARModel, rows: np.ndarray, request: dict, rules: Optional[Rules],
               between_blocks: Callable[[], None] = lambda: None) -> tuple:
    """(bytes of the part, rows written) for the users at `rows`, BLOCK_USERS at a time."""
    chunks, written = [], 0
    for start in range(0, rows.size, BLOCK_USERS):
        between_blocks()
        block = recommend_block(model, rows[start:start + BLOCK_USERS], request["recommendationCount"], rules)
        chunks.append(format_block(model.user_ids, model.item_ids, block, request["format"], header=start == 0))
        written += int(block.counts.sum())
    if not chunks:  # no known user: the part still says what its columns are
        chunks.append(format_block(model.user_ids, model.item_ids, recommend_block(model, rows), request["format"]))
    return b"".join(chunks), written


def rules_of(request: dict) -> Optional[Rules]:
    """The request's rules (its camelCase JSON fields) as Rules; None when it sets none."""
    include, exclude = request.get("includeItemIds"), request.get("excludeItemIds")
    if include is None and not exclude and not request.get("itemIdPrefix") and request.get("maxPerCategory") is None:
        return None
    return Rules(include_item_ids=None if include is None else tuple(include), exclude_item_ids=tuple(exclude or ()),
                 item_id_prefix=request.get("itemIdPrefix"), max_per_category=request.get("maxPerCategory"),
                 category_window=request.get("categoryWindow"))
