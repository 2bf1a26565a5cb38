"""A loaded model ready to serve, with the second cache level: ranked item-to-item answers.

The original service kept TLC scoring engines per (count bucket, history
flag, t_ref day, decay) because building one was costly. Our scorer needs no
per-request build (the similarity matrix is the engine), so the second level
keeps what is costly and reusable here: the ranked list of an item-to-item
request, keyed by its scoring-time arguments (seed item, count bucket, and
the request's rules when they name no item one by one: a prefix or a category
cap). A request with an include or exclude list is computed each time: such
lists vary per caller, and their answers would only push reusable ones out.
What an exclude list reuses is the seed's candidates ranked once (the first
CANDIDATE_DEPTH, in the same cache), which it only filters. A personalized
request depends on the events it carries and is never cached.
"""
import sys
import time
from typing import Callable, NamedTuple, Optional

from recommender import EventBatch, Recommendation, SARModel, explanations, scoring
from recommender.rules import Rules

from .cache import SlidingCache

RECOMMENDATION_BYTES = 120
"""Approximate size of one cached Recommendation (tuple, float, list slot); its id string is added."""


def count_bucket(count: int) -> int:
    """The original's rounding of a recommendation count: 5 for up to 5, else up to a multiple of 10."""
    return 5 if count <= 5 else -(-count // 10) * 10


CANDIDATE_DEPTH = 256
"""A seed's row entries kept ranked for requests with an exclude list, and as many popular items after them
when the row holds fewer (scoring.seed_candidates); a request whose rules refuse too many of them ranks the
whole row again. Most answers under rules read a few dozen; ranking deeper costs every first request of a
seed more."""
CANDIDATES = "candidates"
"""Second element of a seed's candidates' cache key (an answer's is a count bucket, an int)."""

UNKNOWN_ITEM = ("unknown item",)
"""Answer-cache key of every item id the model does not know: they all get the same answer."""


class Answer(NamedTuple):
    """A cached ranked list and its approximate size, measured once (the cache asks on every hit).

    The list is kept as plain (item id, score) tuples, which Python's cycle collector stops tracking:
    a full collection walks every tracked object, and 100,000 cached answers of 10 Recommendation
    objects each would make it a pause of a tenth of a second in the middle of a request.
    """

    pairs: tuple
    nbytes: int

    @classmethod
    def of(cls, recommendations: list) -> "Answer":
        return cls(tuple(map(tuple, recommendations)),
                   sum(RECOMMENDATION_BYTES + sys.getsizeof(item_id) for item_id, _ in recommendations) + 64)

    def recommendations(self, count: int) -> list[tuple[str, float]]:
        """The best `count` (item id, score) pairs (a Recommendation is such a pair, with names)."""
        return list(self.pairs[:count])


class Recommender:
    """Scoring on one model: item-to-item answers come from a sliding cache, personalized ones are computed."""

    def __init__(self, model: SARModel, *, max_answers: int, max_answer_bytes: int, idle_seconds: float,
                 clock: Callable[[], float] = time.monotonic):
        self.model = model
        self.answers = SlidingCache(max_entries=max_answers, max_bytes=max_answer_bytes, idle_seconds=idle_seconds,
                                    size_of=lambda answer: answer.nbytes, clock=clock)

    @property
    def params(self):
        return self.model.params

    @property
    def nbytes(self) -> int:
        """Approximate memory of the model (the cache of answers is bounded on its own)."""
        return self.model.nbytes

    def similar_items(self, item_id: Optional[str], count: int, rules: Optional[Rules] = None) -> list:
        """(item id, score) pairs of the items similar to `item_id` (popular items when None), best first,
        under `rules`.

        :raise CategoriesUnavailableError: the rules cap categories and the model has none
        """
        if rules is not None and rules.lists_items:
            # An exclude list refuses a few of the candidates; an include list lets a few through, which the
            # candidates seldom hold enough of: such a request ranks the row as before.
            candidates = self._seed_candidates(item_id) \
                if item_id is not None and rules.include_item_ids is None else None
            return scoring.similar_items(self.model, item_id, count, rules, candidates) if candidates is not None \
                else self._similar_items(item_id, count, rules)
        known = item_id is None or item_id in self.model.item_index
        key = (item_id if known else UNKNOWN_ITEM, count_bucket(count), rules)  # unknown ids must not flood it
        answer = self.answers.lookup(key)
        if answer is None:
            answer = Answer.of(self._similar_items(item_id, key[1], rules))
            self.answers.store(key, answer)
        return answer.recommendations(count)

    def recommend(self, user_id: Optional[str], events: Optional[EventBatch], count: int,
                  rules: Optional[Rules] = None) -> list[Recommendation]:
        """Personalized: the user's stored history and/or the events, best first, under `rules`."""
        return scoring.recommend(self.model, user_id=user_id, events=events, k=count, rules=rules)

    def explain_similar(self, item_id: Optional[str], answer: list) -> list:
        """An Explanation per (item id, score) of an item-to-item answer for `item_id`."""
        return explanations.explain_similar(self.model, item_id, answer)

    def explain(self, user_id: Optional[str], events: Optional[EventBatch], answer: list) -> list:
        """An Explanation per (item id, score) of a personalized answer for this user and/or these events."""
        return explanations.explain_personalized(self.model, answer, user_id=user_id, events=events)

    def scores(self, item_ids: list, user_id: Optional[str], events: Optional[EventBatch]) -> list:
        """The personalized score of each item (None when the model does not know it), in the order given."""
        return scoring.score_items(self.model, item_ids, user_id=user_id, events=events)

    def _seed_candidates(self, item_id: str):
        """The seed's candidates, from the cache or ranked now (None for an unknown item: nothing to keep)."""
        key = (item_id, CANDIDATES)
        candidates = self.answers.lookup(key)
        if candidates is None:
            candidates = scoring.seed_candidates(self.model, item_id, CANDIDATE_DEPTH)
            if candidates is not None:
                self.answers.store(key, candidates)
        return candidates

    def _similar_items(self, item_id: Optional[str], count: int, rules: Optional[Rules]) -> list:
        if item_id is None:
            return scoring.recommend(self.model, k=count, rules=rules)
        return scoring.similar_items(self.model, item_id, count, rules)
