"""bench/synth.py, the benchmarks' data generator: deterministic, and the bytes of the shared original.

The digest below is of the shared original's output for SMALL (shared/synth.py, run in UTC, on 2026-12-06);
CI has no shared/ folder to compare with, so the copy is held to that digest.
"""
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

SYNTH = Path(__file__).resolve().parents[3] / "bench" / "synth.py"
SMALL = ["--users", "500", "--items", "300", "--events", "20000", "--clusters", "20"]
ORIGINAL_SHA256 = "89b67d4a1e9aa14c4e930bbd7c28ddc704ad36486f0a5011b29a9986cc3e6abb"
LINE = re.compile(r"u(\d+),i(\d+),2025-(0[1-6]|07)-\d\dT\d\d:\d\d:\d\d")


def synth(*argv, tz: str = "UTC") -> bytes:
    environ = {**os.environ, "TZ": tz}
    return subprocess.run([sys.executable, str(SYNTH), *argv], check=True, capture_output=True, env=environ).stdout


def test_a_small_run_is_the_shared_originals_output():
    assert hashlib.sha256(synth(*SMALL)).hexdigest() == ORIGINAL_SHA256


def test_the_output_depends_on_the_seed_only_not_the_time_zone(tmp_path):
    out = tmp_path / "usage.csv"
    synth(*SMALL, "--out", str(out), tz="America/New_York")
    assert out.read_bytes() == synth(*SMALL)
    assert synth(*SMALL, "--seed", "8") != synth(*SMALL)


def test_lines_are_usage_csv_within_the_sizes_asked_for():
    lines = synth(*SMALL).decode().splitlines()
    assert len(lines) == 20000
    matches = [LINE.fullmatch(line) for line in lines]
    assert all(matches)
    assert max(int(match.group(1)) for match in matches) < 500
    assert max(int(match.group(2)) for match in matches) < 300
