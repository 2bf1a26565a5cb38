"""prometheus-client's multiprocess mode for gunicorn: every worker process writes its metrics to files
in PROMETHEUS_MULTIPROC_DIR, and a scrape adds them up.

The variable must be set before prometheus_client is first imported (it picks its storage at import), so
gunicorn.conf.py calls prepare() first thing, and this module imports prometheus_client only inside
functions that run later.
"""
import os
import shutil
import tempfile
from pathlib import Path
from typing import MutableMapping

ENV_VAR = "PROMETHEUS_MULTIPROC_DIR"


def prepare(environ: MutableMapping[str, str] = os.environ) -> tuple:
    """Make sure ENV_VAR names an empty folder; returns (folder, whether we created it and should remove it).

    A folder the operator named is emptied of the files of an earlier run (they would add stale counts);
    with none named, a new temporary folder is made and set in the environment the workers inherit.
    """
    given = environ.get(ENV_VAR, "").strip()
    if not given:
        folder = tempfile.mkdtemp(prefix="recsvc-metrics-")
        environ[ENV_VAR] = folder
        return Path(folder), True
    folder = Path(given)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder, False


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook: drop the live gauges of a worker process that ended (its counters stay)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(pid)


def remove(folder: Path) -> None:
    """gunicorn's on_exit hook, for a folder prepare() created."""
    shutil.rmtree(folder, ignore_errors=True)
