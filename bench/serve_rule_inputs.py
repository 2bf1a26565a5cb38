"""Inputs of bench/serve_load.py's filtered runs (business rules, issue 11).

- a catalog of every item whose itemCategory is the item's planted cluster in
  bench/synth.py (its first draw from the seeded generator), so items that
  are used together mostly share a category and a category cap has work to do;
- query suffixes for item-to-item GETs: 100 excludeItemIds drawn by popularity
  (the items answers are most likely to hold) and maxPerCategory;
- personalized POST bodies in the object form: the events of a bench/serve_inputs.py
  body, the same kind of exclusions and maxPerCategory.
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXCLUDED_PER_REQUEST = 100
MAX_PER_CATEGORY = 2
LINES = 1_000
SYNTH_CLUSTERS = 200
"""synth.py's default --clusters, which the benchmark's data is generated with."""
SEED = 11


@dataclass(frozen=True)
class RuleInputs:
    """Paths of the catalog and of the filtered request inputs."""

    catalog: Path
    queries: Path
    bodies: Path


def write(folder: Path, n_items: int, synth_seed: int, popular_ids: Path, bodies: Path) -> RuleInputs:
    """Write the three files into `folder`; the same arguments give the same files."""
    paths = RuleInputs(folder / "catalog.csv", folder / "rule_queries.txt", folder / "rule_bodies.jsonl")
    clusters = np.random.default_rng(synth_seed).integers(0, SYNTH_CLUSTERS, n_items)  # synth.py's item_cluster
    paths.catalog.write_text("".join(f"i{item},Item {item},c{cluster},\n" for item, cluster in enumerate(clusters)))
    rng = np.random.default_rng(SEED)
    popular = np.array(popular_ids.read_text().split())
    exclusions = [rng.choice(popular, EXCLUDED_PER_REQUEST).tolist() for _ in range(LINES)]
    paths.queries.write_text("".join(
        "".join(f"&excludeItemIds={item}" for item in excluded) + f"&maxPerCategory={MAX_PER_CATEGORY}\n"
        for excluded in exclusions))
    events = [json.loads(line) for line in bodies.read_text().splitlines() if line]
    paths.bodies.write_text("".join(
        json.dumps({"events": body, "excludeItemIds": excluded, "maxPerCategory": MAX_PER_CATEGORY},
                   separators=(",", ":")) + "\n"
        for body, excluded in zip(events, exclusions)))
    return paths
