#!/usr/bin/env python3
"""Synthetic implicit-feedback usage data for the scale benchmarks: power-law item popularity and planted item
clusters. Writes usage CSV lines `u<user>,i<item>,<ISO timestamp, UTC>` (no header).

Provenance: a copy of the team's shared generator (`shared/synth.py`, outside this repository), so the
benchmarks run from a clone. Same arguments, same seed (7), same random draws in the same order, same bytes,
with one fix: its start time, 2025-01-01, was read in the machine's time zone; here it is UTC, which is what
every recorded run used (tests/unit/bench/test_synth.py pins the output of a small run).
"""
import argparse
import sys
from datetime import UTC, datetime

import numpy as np

IN_CLUSTER_SHARE = 0.7
"""Share of events drawn from the user's own cluster; the rest follow global popularity."""
POPULARITY_EXPONENT = 0.9
"""Item popularity ~ 1 / rank^exponent (a power law), ranks shuffled over the items."""
START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 180 * 86400
"""Events are spread uniformly over 180 days from START."""
CHUNK_LINES = 1_000_000
"""Lines formatted at a time: bounded memory at any size."""


def parse_args(argv=None) -> argparse.Namespace:
    """The command line (the same options and defaults as the shared original)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--events", type=int, default=1000000)
    parser.add_argument("--clusters", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="-", help="a file, or - for standard output")
    return parser.parse_args(argv)


def generate(users: int, items: int, events: int, clusters: int, seed: int) -> tuple:
    """(user index, item index, timestamp in epoch seconds) of every event, each an int array of shape (events,)."""
    rng = np.random.default_rng(seed)
    item_cluster = rng.integers(0, clusters, items)
    popularity = 1.0 / np.arange(1, items + 1) ** POPULARITY_EXPONENT
    rng.shuffle(popularity)
    user_cluster = rng.integers(0, clusters, users)
    event_users = rng.integers(0, users, events)
    in_cluster = rng.random(events) < IN_CLUSTER_SHARE
    event_items = rng.choice(items, size=events, p=popularity / popularity.sum())
    # Items of each cluster are a contiguous range of `order`: an in-cluster event picks uniformly in its range.
    order = np.argsort(item_cluster, kind="stable")
    bounds = np.searchsorted(item_cluster[order], np.arange(clusters + 1))
    own = user_cluster[event_users[in_cluster]]
    low, high = bounds[own], bounds[own + 1]
    pick = low + (rng.random(own.size) * np.maximum(high - low, 1)).astype(np.int64)
    event_items[in_cluster] = order[np.minimum(pick, items - 1)]
    timestamps = int(START.timestamp()) + rng.integers(0, SPAN_SECONDS, events)
    return event_users, event_items, timestamps


def write_csv(out, event_users, event_items, timestamps) -> None:
    """Write the events as usage CSV lines, a chunk at a time."""
    for start in range(0, len(event_users), CHUNK_LINES):
        end = start + CHUNK_LINES
        # ISO 8601, UTC, no zone suffix; formatted a chunk at a time (100M at once would take 7 GiB)
        stamps = timestamps[start:end].astype("datetime64[s]").astype(str)
        out.writelines(f"u{user},i{item},{stamp}\n" for user, item, stamp in
                       zip(event_users[start:end].tolist(), event_items[start:end].tolist(), stamps))
    out.flush()


def main(argv=None) -> int:
    """Generate and write the data set the arguments describe."""
    args = parse_args(argv)
    events = generate(args.users, args.items, args.events, args.clusters, args.seed)
    if args.out == "-":
        write_csv(sys.stdout, *events)
    else:
        with open(args.out, "w") as out:
            write_csv(out, *events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
