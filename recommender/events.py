"""The usage-event table every part of the library speaks, and affinity weights.

An event table is a pandas DataFrame with the columns of EVENT_COLUMNS:
``user_id`` and ``item_id`` (str), ``timestamp`` (float seconds since the Unix
epoch, UTC; NaN when the event has none) and ``weight`` (float; the event
type's default weight already applied, see ``resolve_weights``).

Request-time events (those sent with a personalized request) are an EventBatch:
three columns of one user's events, without the table, which costs far more to
build than scoring a few events does.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

EVENT_COLUMNS = ("user_id", "item_id", "timestamp", "weight")

DEFAULT_EVENT_WEIGHTS = {
    "Click": 1.0,
    "RecommendationClick": 2.0,
    "AddShopCart": 3.0,
    "RemoveShopCart": -1.0,
    "Purchase": 4.0,
    "Custom": 1.0,
}
"""Weights of the original service's event types; an explicit weight wins."""


def make_events(user_ids, item_ids, timestamps=None, weights=None) -> pd.DataFrame:
    """Build an event table from columns; missing timestamps are NaN, missing weights 1."""
    n = len(item_ids)
    frame = pd.DataFrame({
        "user_id": pd.Series(user_ids, dtype=object),
        "item_id": pd.Series(item_ids, dtype=object),
        "timestamp": np.full(n, np.nan) if timestamps is None else np.asarray(timestamps, dtype=np.float64),
        "weight": np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64),
    })
    return frame


@dataclass(frozen=True)
class EventBatch:
    """One request's usage events, the form scoring reads.

    Attributes
    ----------
    item_ids : tuple of str, shape (n,)
    timestamps : float64 array, shape (n,), seconds since the Unix epoch, UTC (NaN: none, counts at t_ref)
    weights : float64 array, shape (n,), the event type's default already applied (see event_weight)
    """

    item_ids: tuple
    timestamps: np.ndarray
    weights: np.ndarray

    def __post_init__(self):
        # Set through object.__setattr__: the class is frozen, and any sequence of numbers is accepted.
        object.__setattr__(self, "timestamps", np.asarray(self.timestamps, dtype=np.float64))
        object.__setattr__(self, "weights", np.asarray(self.weights, dtype=np.float64))
        if not len(self.item_ids) == len(self.timestamps) == len(self.weights):
            raise ValueError(f"{len(self.item_ids)} item ids, {len(self.timestamps)} timestamps and "
                             f"{len(self.weights)} weights: an event batch needs one of each per event")

    def __len__(self) -> int:
        return len(self.item_ids)

    @classmethod
    def of(cls, item_ids, timestamps=None, weights=None) -> "EventBatch":
        """A batch from columns; missing timestamps are NaN, missing weights 1."""
        n = len(item_ids)
        return cls(tuple(item_ids), np.full(n, np.nan) if timestamps is None else timestamps,
                   np.ones(n) if weights is None else weights)

    @classmethod
    def from_table(cls, events: pd.DataFrame) -> "EventBatch":
        """The item_id, timestamp and weight columns of an event table (its user_id is not read)."""
        return cls(tuple(np.asarray(events["item_id"], dtype=object).tolist()), events["timestamp"], events["weight"])


def resolve_weights(event_types, explicit_weights) -> np.ndarray:
    """Per event: the explicit weight where given (not NaN), else the event type's default.

    An empty or missing event type weighs 1. Raises KeyError naming an unknown event type.
    """
    types = pd.Series(event_types, dtype=object).fillna("").astype(str)
    defaults = types.map(DEFAULT_EVENT_WEIGHTS)
    unknown = defaults.isna() & (types != "")
    if unknown.any():
        raise KeyError(types[unknown].iloc[0])
    explicit = np.asarray(explicit_weights, dtype=np.float64)
    return np.where(np.isnan(explicit), defaults.fillna(1.0).to_numpy(dtype=np.float64), explicit)


def event_weight(event_type, explicit_weight) -> float:
    """One event's weight, as resolve_weights gives it: the explicit weight (not None), else its type's default.

    Raises KeyError naming an unknown event type.
    """
    if explicit_weight is not None:
        return float(explicit_weight)
    return DEFAULT_EVENT_WEIGHTS[event_type] if event_type else 1.0


def decay_factors(timestamps: np.ndarray, reference_time: float, half_life_seconds: float) -> np.ndarray:
    """2^(-(t_ref - t)/T) per event; an event without a timestamp counts at t_ref (factor 1).

    Written as 0.5 ** (age / T), the reference implementation's exact expression,
    so affinities agree with it to the last bit.
    """
    factors = reference_time - np.asarray(timestamps, dtype=np.float64)  # ages, then factors, in one array
    factors /= half_life_seconds
    np.power(0.5, factors, out=factors)
    factors[np.isnan(factors)] = 1.0
    return factors


def latest_timestamp(timestamps: np.ndarray) -> float:
    """The latest timestamp, or NaN when no event has one."""
    timestamps = np.asarray(timestamps, dtype=np.float64)
    if timestamps.size == 0 or np.isnan(timestamps).all():
        return np.nan
    return float(np.nanmax(timestamps))
