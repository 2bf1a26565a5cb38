"""requirements/*.txt, the hashed lock files the image and `make` install from, match pyproject.toml (issue 22).

Regenerate them with `make lock` after changing a dependency in pyproject.toml; this test says which is stale.
"""
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
LOCKS = {"runtime": [], "dev": ["test", "distributed"]}
"""Each lock file and the extras it holds beside the runtime dependencies (the Makefile's `lock` target)."""
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
FROM_PYPROJECT = "product-recommendations (pyproject.toml)"


def declared(extras: list) -> dict:
    """name -> Requirement of pyproject's dependencies and the given extras."""
    strings = PROJECT["dependencies"] + [entry for extra in extras for entry in PROJECT["optional-dependencies"][extra]]
    requirements = [Requirement(string) for string in strings]
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def locked(name: str) -> dict:
    """name -> {"version", "hashes", "via"} of one lock file."""
    entries, current = {}, None
    for line in (REPO / "requirements" / f"{name}.txt").read_text().splitlines():
        if match := PIN.match(line):
            current = entries[canonicalize_name(match.group(1))] = {"version": match.group(2), "hashes": 0, "via": []}
        elif current is not None and "--hash=sha256:" in line:
            current["hashes"] += 1
        elif current is not None and line.strip().startswith("#"):
            current["via"].append(line.strip("# ").removeprefix("via ").strip())
    return entries


@pytest.mark.parametrize("lock, extras", LOCKS.items())
def test_the_lock_pins_exactly_what_pyproject_asks_for_within_its_ranges(lock, extras):
    wanted, pins = declared(extras), locked(lock)
    direct = {name for name, entry in pins.items() if FROM_PYPROJECT in entry["via"]}
    assert direct == set(wanted), "run `make lock`: pyproject.toml and requirements/%s.txt differ" % lock
    outside = {name: pins[name]["version"] for name, requirement in wanted.items()
               if pins[name]["version"] not in requirement.specifier}
    assert outside == {}, "run `make lock`: these pins are outside pyproject.toml's ranges"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_has_hashes(lock):
    pins = locked(lock)
    assert len(pins) > 20
    assert [name for name, entry in pins.items() if entry["hashes"] == 0] == []


def test_the_runtime_and_dev_locks_agree_on_every_package_they_share():
    runtime, dev = locked("runtime"), locked("dev")
    assert set(runtime) <= set(dev)  # make test installs the dev lock over the demo's runtime lock: no downgrade
    assert {name: (entry["version"], dev[name]["version"]) for name, entry in runtime.items()
            if entry["version"] != dev[name]["version"]} == {}
