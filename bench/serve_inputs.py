"""Request inputs of bench/serve_load.py, taken from the usage file the model is trained on.

Three files for the wrk scripts (bench/wrk/), one entry a line:
- popular item ids: item ids of events drawn at random, so an id comes up as
  often as users use the item, as real item-to-item traffic would;
- distinct item ids: every item of the file once, shuffled (the top item, which
  the cold-start request asks for, is left out), so no answer is in the cache;
- bodies: for random users with at least 20 events, their latest 20 events as a
  personalized request body (itemId, timestamp, an event type).
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 7
POPULAR_SAMPLE = 50_000
BODIES = 1_000
EVENTS_PER_BODY = 20
EVENT_TYPES = ["Click", "Click", "Click", "AddShopCart", "Purchase"]


@dataclass(frozen=True)
class Inputs:
    """Paths of the request input files, and what the benchmark reports about them."""

    csv: Path
    popular_ids: Path
    distinct_ids: Path
    bodies: Path
    top_item: str
    expected_miss_share: float
    """Share of first-time ids among one paced run's requests split over two processes: the cache misses to expect."""


def write(csv: Path, folder: Path, requests_per_run: int, processes: int = 2) -> Inputs:
    """Write the three files into `folder` from the usage CSV; the same seed gives the same files."""
    folder.mkdir(parents=True, exist_ok=True)
    events = pd.read_csv(csv, header=None, names=["user", "item", "timestamp"], dtype=str)
    rng = np.random.default_rng(SEED)
    popular = events["item"].to_numpy()[rng.integers(0, len(events), POPULAR_SAMPLE)]
    top_item = events["item"].value_counts().index[0]
    distinct = rng.permutation(events["item"].unique())
    distinct = distinct[distinct != top_item]
    if len(distinct) < requests_per_run:
        raise ValueError(f"only {len(distinct)} distinct items for {requests_per_run} requests: shorten the run")
    paths = Inputs(csv, folder / "popular_ids.txt", folder / "distinct_ids.txt", folder / "bodies.jsonl", top_item,
                   _miss_share(popular, requests_per_run, processes, rng))
    paths.popular_ids.write_text("\n".join(popular) + "\n")
    paths.distinct_ids.write_text("\n".join(distinct) + "\n")
    paths.bodies.write_text("\n".join(_bodies(events, rng)) + "\n")
    return paths


def _miss_share(ids: np.ndarray, requests: int, processes: int, rng) -> float:
    drawn = ids[rng.integers(0, len(ids), requests)]
    process = rng.integers(0, processes, requests)
    return sum(len(np.unique(drawn[process == p])) for p in range(processes)) / requests


def _bodies(events: pd.DataFrame, rng) -> list:
    counts = events["user"].value_counts()
    users = rng.choice(counts.index[counts >= EVENTS_PER_BODY].to_numpy(), BODIES, replace=False)
    chosen = events[events["user"].isin(set(users))].sort_values(["user", "timestamp"])
    bodies = []
    for _, history in chosen.groupby("user", sort=False):
        latest = history.tail(EVENTS_PER_BODY)
        types = rng.choice(EVENT_TYPES, len(latest))
        bodies.append(json.dumps([{"itemId": item, "timestamp": stamp + "Z", "eventType": str(kind)}
                                  for item, stamp, kind in zip(latest["item"], latest["timestamp"], types)],
                                 separators=(",", ":")))
    return bodies
