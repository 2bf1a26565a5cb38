"""SAR training and scoring parameters, with the defaults of the original service."""
from dataclasses import dataclass
from enum import Enum

from .exceptions import InvalidParameterError


class SimilarityFunction(str, Enum):
    """How item co-occurrence counts become similarities."""

    JACCARD = "Jaccard"
    COOCCURRENCE = "Cooccurrence"
    LIFT = "Lift"


class CooccurrenceUnit(str, Enum):
    """What counts as one 'basket' when counting co-occurrences."""

    USER = "User"
    TIMESTAMP = "Timestamp"


class BackfillStrategy(str, Enum):
    """Which items pad a short list: the all-time popular ones, or those popular lately."""

    POPULAR = "Popular"
    TRENDING = "Trending"


SUPPORT_THRESHOLD_RANGE = (1, 50)
"""supportThreshold bounds (the original allowed 3..50; 1 allows parity with microsoft/recommenders)."""
TRENDING_HALF_LIFE_RANGE = (1, 365)
"""trendingHalfLifeInDays bounds: a day up to a year."""


@dataclass(frozen=True)
class SARParameters:
    """Everything that decides what a trained SAR model answers."""

    support_threshold: int = 6
    cooccurrence_unit: CooccurrenceUnit = CooccurrenceUnit.USER
    similarity_function: SimilarityFunction = SimilarityFunction.JACCARD
    enable_user_affinity: bool = True
    enable_user_to_item: bool = False
    allow_seed_items: bool = False
    enable_backfilling: bool = True
    decay_period_days: int = 30
    backfill_strategy: BackfillStrategy = BackfillStrategy.POPULAR
    trending_half_life_days: int = 7

    def __post_init__(self):
        low, high = SUPPORT_THRESHOLD_RANGE
        if not isinstance(self.support_threshold, int) or not low <= self.support_threshold <= high:
            raise InvalidParameterError(f"support_threshold must be an int in {low}..{high}, got {self.support_threshold!r}")
        if not isinstance(self.decay_period_days, int) or self.decay_period_days < 1:
            raise InvalidParameterError(f"decay_period_days must be an int >= 1, got {self.decay_period_days!r}")
        low, high = TRENDING_HALF_LIFE_RANGE
        if not isinstance(self.trending_half_life_days, int) or not low <= self.trending_half_life_days <= high:
            raise InvalidParameterError(
                f"trending_half_life_days must be an int in {low}..{high}, got {self.trending_half_life_days!r}")
        # Accept the enums' string values too, so callers can pass parsed JSON straight in.
        object.__setattr__(self, "cooccurrence_unit", _as_enum(CooccurrenceUnit, self.cooccurrence_unit))
        object.__setattr__(self, "similarity_function", _as_enum(SimilarityFunction, self.similarity_function))
        object.__setattr__(self, "backfill_strategy", _as_enum(BackfillStrategy, self.backfill_strategy))

    @property
    def half_life_seconds(self) -> float:
        """The decay half-life in seconds."""
        return self.decay_period_days * 86400.0

    @property
    def trending_half_life_seconds(self) -> float:
        """The half-life of trending popularity in seconds."""
        return self.trending_half_life_days * 86400.0


def _as_enum(enum_class, value):
    try:
        return enum_class(value)
    except ValueError:
        names = ", ".join(member.value for member in enum_class)
        raise InvalidParameterError(f"{value!r} is not one of {names}") from None
